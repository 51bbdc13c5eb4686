//! Shared by the integration tests: the RFC 4475 torture messages with their manifest, and the
//! outcome Kefu's edge gives each one.

#![allow(dead_code)]

use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// One torture message.
pub struct Torture {
    pub file: String,
    pub expected: String,
    pub bytes: Vec<u8>,
}

/// What the edge does with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The validator accepts it and hands it to the stack.
    Accept,
    /// The validator answers with this status.
    Reject(u16),
    /// Nothing is sent back.
    Drop,
}

/// `$KEFU_TESTDATA`, or `shared/testdata` beside the repository.
/// A clone may sit anywhere (CI clones it elsewhere), so every ancestor of the crate is tried for
/// a `shared/testdata` beside it, then the workspace's usual place.
pub fn testdata_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KEFU_TESTDATA") {
        return PathBuf::from(dir);
    }
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .ancestors()
        .map(|a| a.join("shared/testdata"))
        .chain([PathBuf::from("/work/shared/testdata")])
        .find(|d| d.join("sip-torture-rfc4475/MANIFEST.tsv").is_file())
        .unwrap_or_else(|| crate_dir.join("../../../shared/testdata"))
}

/// Every file of the manifest, read and checked against its sha256 and size.
pub fn torture_messages() -> Vec<Torture> {
    let dir = testdata_dir().join("sip-torture-rfc4475");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv"))
        .unwrap_or_else(|e| panic!("read {}/MANIFEST.tsv: {e}", dir.display()));
    let mut out = Vec::new();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, _section, expected, size, sha] = cols[..] else {
            panic!("manifest line {line:?}")
        };
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("read {file}: {e}"));
        assert_eq!(
            bytes.len().to_string(),
            size,
            "{file}: size differs from the manifest"
        );
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, sha, "{file}: sha256 differs from the manifest");
        out.push(Torture {
            file: file.to_owned(),
            expected: expected.to_owned(),
            bytes,
        });
    }
    let on_disk = std::fs::read_dir(&dir).expect("list").filter(|e| {
        e.as_ref()
            .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "dat"))
    });
    assert_eq!(
        on_disk.count(),
        out.len(),
        "every .dat file is in the manifest"
    );
    out
}

/// The outcome the manifest's `expected` column asks for, with Kefu's documented choices where
/// it allows alternatives or where the verdict belongs to a later layer:
///
/// - `accept` of a request whose method the edge does not implement: the grammar accepts it
///   and the method policy answers — intmeth/esc02 (methods SIP does not define) get 501,
///   mpart01 (MESSAGE, defined but not allowed here) gets 405.
/// - trws (trailing white space on the request line) and baddate (non-GMT Date): tolerated,
///   as the manifest allows.
/// - mismatch02 (unknown method *and* CSeq mismatch): 400 — the CSeq check runs first.
/// - zeromf (OPTIONS, Max-Forwards 0): the edge is the OPTIONS' final recipient and answers it
///   (RFC 3261 §16.3 allows it); other methods with Max-Forwards 0 get 483.
/// - regaut01 (`respond 401`), the `register` and `proxy forwards` cases, badbranch and bcast:
///   accepted here; the registrar, proxy and transaction layers above decide the response.
pub fn outcome(file: &str, expected: &str) -> Outcome {
    match file {
        "intmeth.dat" | "esc02.dat" => return Outcome::Reject(501),
        "mpart01.dat" => return Outcome::Reject(405),
        "trws.dat" | "baddate.dat" | "zeromf.dat" => return Outcome::Accept,
        "mismatch02.dat" => return Outcome::Reject(400),
        _ => {}
    }
    let status_after =
        |prefix: &str| -> Option<u16> { expected.strip_prefix(prefix)?.get(..3)?.parse().ok() };
    if expected == "accept" || expected == "accept-first-msg-ignore-trailing" {
        Outcome::Accept
    } else if let Some(code) = status_after("reject-") {
        Outcome::Reject(code)
    } else if expected == "reject(drop response)" {
        Outcome::Drop
    } else if let Some(code) = status_after("parse-or-reject;respond ") {
        Outcome::Reject(code)
    } else if let Some(code) = status_after("parse;respond ") {
        if code == 401 {
            Outcome::Accept
        } else {
            Outcome::Reject(code)
        }
    } else if expected.starts_with("parse;") {
        Outcome::Accept
    } else {
        panic!("{file}: manifest outcome {expected:?} has no mapping")
    }
}

/// The value of the first `Call-ID`/`i` header of a raw message, if any.
pub fn call_id_of(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    text.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        let name = name.trim();
        (name.eq_ignore_ascii_case("call-id") || name.eq_ignore_ascii_case("i"))
            .then(|| value.trim().to_owned())
    })
}

/// The top Via branch of a raw message, if any.
pub fn branch_of(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let start = text.find("branch=")? + "branch=".len();
    Some(
        text[start..]
            .chars()
            .take_while(|c| !matches!(c, ';' | ',' | '\r' | '\n' | ' '))
            .collect(),
    )
}

/// The status code of a raw response.
pub fn status_of(bytes: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(bytes.get(..12)?).ok()?;
    text.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}
