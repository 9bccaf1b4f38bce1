//! Open Badges 3.0 "baking": the credential embedded in a PNG as an `iTXt` chunk with the
//! keyword `openbadgecredential`, uncompressed, placed right after `IHDR`.

use crate::Error;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
pub const KEYWORD: &str = "openbadgecredential";

fn chunk(kind: &[u8; 4], data: &[u8]) -> Result<Vec<u8>, Error> {
    let len = u32::try_from(data.len()).map_err(|_| Error::Png("chunk too large".into()))?;
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    Ok(out)
}

/// One chunk: its type, its data, and the whole chunk's bytes (length, type, data, CRC).
type Chunk<'a> = ([u8; 4], &'a [u8], &'a [u8]);

/// The chunks of `png`.
fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, Error> {
    let mut rest = png.strip_prefix(&SIGNATURE[..]).ok_or_else(|| Error::Png("not a PNG (bad signature)".into()))?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let head = rest.get(..8).ok_or_else(|| Error::Png("truncated chunk header".into()))?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = [head[4], head[5], head[6], head[7]];
        let whole = rest.get(..len + 12).ok_or_else(|| Error::Png("truncated chunk".into()))?;
        out.push((kind, &whole[8..8 + len], whole));
        rest = &rest[len + 12..];
    }
    Ok(out)
}

/// `png` with `credential_json` baked in (any earlier baked credential removed).
pub fn bake(png: &[u8], credential_json: &str) -> Result<Vec<u8>, Error> {
    let mut data = Vec::new();
    data.extend_from_slice(KEYWORD.as_bytes());
    data.extend_from_slice(&[0, 0, 0]); // separator, compression flag, method
    data.push(0); // empty language tag
    data.push(0); // empty translated keyword
    data.extend_from_slice(credential_json.as_bytes());
    let itxt = chunk(b"iTXt", &data)?;
    let mut out = SIGNATURE.to_vec();
    for (kind, body, whole) in chunks(png)? {
        if &kind == b"iTXt" && baked_text(body).is_some() {
            continue;
        }
        out.extend_from_slice(whole);
        if &kind == b"IHDR" {
            out.extend_from_slice(&itxt);
        }
    }
    Ok(out)
}

fn baked_text(data: &[u8]) -> Option<String> {
    let rest = data.strip_prefix(KEYWORD.as_bytes())?.strip_prefix(&[0u8][..])?;
    let (&flag, rest) = rest.split_first()?;
    if flag != 0 {
        return None;
    }
    let rest = rest.get(1..)?; // compression method
    let lang_end = rest.iter().position(|&b| b == 0)?;
    let rest = &rest[lang_end + 1..];
    let tk_end = rest.iter().position(|&b| b == 0)?;
    String::from_utf8(rest[tk_end + 1..].to_vec()).ok()
}

/// The credential baked into `png`, if any.
pub fn extract(png: &[u8]) -> Result<Option<String>, Error> {
    Ok(chunks(png)?.into_iter().filter(|(kind, _, _)| kind == b"iTXt").find_map(|(_, data, _)| baked_text(data)))
}

/// A square PNG of `size`×`size` pixels in one RGB colour: the badge image Rungs bakes
/// into when the organization has uploaded none.
pub fn solid_png(size: u32, rgb: [u8; 3]) -> Result<Vec<u8>, Error> {
    use std::io::Write;
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&size.to_be_bytes());
    ihdr.extend_from_slice(&size.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    let row: Vec<u8> = std::iter::once(0u8).chain((0..size).flat_map(|_| rgb)).collect();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    for _ in 0..size {
        z.write_all(&row).map_err(|e| Error::Png(e.to_string()))?;
    }
    let idat = z.finish().map_err(|e| Error::Png(e.to_string()))?;
    let mut out = SIGNATURE.to_vec();
    out.extend(chunk(b"IHDR", &ihdr)?);
    out.extend(chunk(b"IDAT", &idat)?);
    out.extend(chunk(b"IEND", &[])?);
    Ok(out)
}
