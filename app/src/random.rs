//! Randomness for secrets: tokens, generated passwords, client secrets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Fills `buffer` from the operating system's generator. Without randomness no secret is
/// safe, so failure stops the process rather than degrade.
pub fn fill(buffer: &mut [u8]) {
    if let Err(err) = getrandom::fill(buffer) {
        eprintln!("inlav: the operating system gave no randomness: {err}");
        std::process::exit(70);
    }
}

/// A random token of `bytes` bytes, base64url without padding.
pub fn token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    fill(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// Uniformly random characters from `alphabet` (rejection sampling, no modulo bias).
pub fn string(alphabet: &[u8], length: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(length);
    let mut buffer = [0u8; 64];
    while out.len() < length {
        fill(&mut buffer);
        for byte in buffer {
            if (byte as usize) < limit && out.len() < length {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
        }
    }
    out
}
