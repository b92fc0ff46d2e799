//! Certificate chains of a test's own, made with the openssl CLI: a CA, and server
//! certificates it signs for the names a test connects with.

use std::path::{Path, PathBuf};
use std::process::Command;

fn openssl(args: &[&str]) {
    let output = Command::new("openssl").args(args).output().expect("openssl runs");
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Makes a CA (`<name>.crt`, `<name>.key`) in `dir`; returns the certificate's path.
pub fn make_ca(dir: &Path, name: &str) -> PathBuf {
    let (crt, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    let subject = format!("/CN=goalstream test {name}");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        &subject,
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        crt.to_str().unwrap(),
    ]);
    crt
}

/// Makes `server.crt` / `server.key` in `dir` for `san` (e.g. `DNS:localhost`), signed by
/// the CA `ca` of the same directory.
pub fn make_server_cert(dir: &Path, ca: &str, san: &str) {
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        &path("server.key"),
        "-out",
        &path("server.csr"),
    ]);
    std::fs::write(dir.join("san.ext"), format!("subjectAltName={san}\n")).unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &path("server.csr"),
        "-CA",
        &path(&format!("{ca}.crt")),
        "-CAkey",
        &path(&format!("{ca}.key")),
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        &path("server.crt"),
        "-extfile",
        &path("san.ext"),
    ]);
}
