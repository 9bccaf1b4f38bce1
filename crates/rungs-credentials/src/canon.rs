//! JSON-LD document → RDF dataset → RDFC-1.0 canonical N-Quads.
//!
//! Expansion and toRdf are the `json-ld` crate's (JSON-LD 1.1, W3C test suite); the
//! canonicalization is `rdf-canon`'s (RDFC-1.0). The loader is an in-memory map of the
//! [`Contexts`] given: a context that is not there is an error, never a fetch.

use std::collections::HashMap;

use json_ld::rdf_types::{Id, LiteralType, Term};
use json_ld::syntax::Parse;
use json_ld::{IriBuf, JsonLdProcessor, RemoteDocument};

use crate::Error;
use crate::contexts::Contexts;

/// The canonical N-Quads of `document` (a JSON-LD object with its `@context`).
pub fn canonicalize(document: &serde_json::Value, contexts: &Contexts) -> Result<String, Error> {
    let quads = to_quads(document, contexts)?;
    rdf_canon::canonicalize_quads(&quads).map_err(|e| Error::Canon(e.to_string()))
}

fn parse_json(text: &str) -> Result<json_ld::syntax::Value, Error> {
    json_ld::syntax::Value::parse_str(text).map(|(value, _)| value).map_err(|e| Error::JsonLd(format!("not JSON: {e}")))
}

fn loader(contexts: &Contexts) -> Result<HashMap<IriBuf, RemoteDocument>, Error> {
    let mut map = HashMap::new();
    for (url, text) in contexts.iter() {
        let iri = IriBuf::new(url.to_owned()).map_err(|e| Error::JsonLd(format!("bad context URL {url}: {e}")))?;
        let doc = RemoteDocument::new(Some(iri.clone()), None, parse_json(text)?);
        map.insert(iri, doc);
    }
    Ok(map)
}

fn to_quads(document: &serde_json::Value, contexts: &Contexts) -> Result<Vec<oxrdf::Quad>, Error> {
    let loader = loader(contexts)?;
    let input = RemoteDocument::new(None, None, parse_json(&document.to_string())?);
    let mut generator = json_ld::rdf_types::generator::Blank::new();
    let mut rdf = pollster::block_on(input.to_rdf(&mut generator, &loader)).map_err(|e| Error::JsonLd(e.to_string()))?;
    let mut out = Vec::new();
    for quad in rdf.quads() {
        let json_ld::rdf_types::Quad(s, p, o, g) = quad;
        let subj = node(s.as_ref())?;
        let predicate = match p.as_ref() {
            Id::Iri(iri) => oxrdf::NamedNode::new(iri.as_str()).map_err(|e| Error::JsonLd(e.to_string()))?,
            Id::Blank(_) => return Err(Error::JsonLd("blank node predicate".into())),
        };
        let object: oxrdf::Term = match &o {
            Term::Id(id) => node(id)?.into(),
            Term::Literal(lit) => match &lit.type_ {
                LiteralType::Any(ty) => {
                    oxrdf::Literal::new_typed_literal(lit.value.as_str(), oxrdf::NamedNode::new(ty.as_str()).map_err(|e| Error::JsonLd(e.to_string()))?).into()
                }
                LiteralType::LangString(tag) => {
                    oxrdf::Literal::new_language_tagged_literal(lit.value.as_str(), tag.as_str()).map_err(|e| Error::JsonLd(e.to_string()))?.into()
                }
            },
        };
        let graph = match g {
            None => oxrdf::GraphName::DefaultGraph,
            Some(id) => match node(id)? {
                oxrdf::Subject::NamedNode(n) => oxrdf::GraphName::NamedNode(n),
                oxrdf::Subject::BlankNode(b) => oxrdf::GraphName::BlankNode(b),
                #[allow(unreachable_patterns)]
                _ => return Err(Error::JsonLd("unsupported graph name".into())),
            },
        };
        out.push(oxrdf::Quad::new(subj, predicate, object, graph));
    }
    Ok(out)
}

fn node(id: &Id) -> Result<oxrdf::Subject, Error> {
    Ok(match id {
        Id::Iri(iri) => oxrdf::NamedNode::new(iri.as_str()).map_err(|e| Error::JsonLd(e.to_string()))?.into(),
        Id::Blank(b) => {
            let label = b.as_str().trim_start_matches("_:");
            oxrdf::BlankNode::new(label).map_err(|e| Error::JsonLd(e.to_string()))?.into()
        }
    })
}
