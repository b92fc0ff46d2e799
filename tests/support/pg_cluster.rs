//! A throwaway Postgres cluster serving TLS with a certificate chain of the test's own: a CA
//! and a server certificate for `localhost` made with the openssl CLI, `initdb` into a temp
//! directory (as the `postgres` OS user when the tests run as root, since Postgres refuses to
//! run as root), `ssl=on`, a free port. Stopped and removed on drop.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::certs::{make_ca, make_server_cert};

/// The running cluster.
pub struct TlsCluster {
    /// Its data directory, certificates and socket live under here.
    pub dir: PathBuf,
    /// The port it listens on (127.0.0.1 and localhost).
    pub port: u16,
    bin: PathBuf,
}

/// Runs `program` with `args` (as the postgres user when we are root); panics with its
/// output on failure.
fn run(as_postgres: bool, program: &Path, args: &[&str]) {
    let mut command = if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    let output = command.args(args).output().unwrap_or_else(|e| panic!("{program:?}: {e}"));
    assert!(
        output.status.success(),
        "{program:?} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Where initdb and pg_ctl live: Debian keeps them off PATH, under
/// /usr/lib/postgresql/<version>/bin (the newest is taken); else pg_config says.
fn pg_bindir() -> PathBuf {
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    debian
        .sort_by_key(|bin| bin.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()));
    if let Some(bin) = debian.pop() {
        return bin;
    }
    let output = Command::new("pg_config").arg("--bindir").output().expect("pg_config on PATH");
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl TlsCluster {
    /// Initialises and starts the cluster; its certificate is signed by the CA `ca.crt` in
    /// [`Self::dir`].
    pub fn start() -> TlsCluster {
        let dir = std::env::temp_dir().join(format!(
            "goalstream-tls-pg-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        make_ca(&dir, "ca");
        make_server_cert(&dir, "ca", "DNS:localhost");
        let root = is_root();
        if root {
            // The postgres user owns the cluster and reads the key (0600 or Postgres refuses).
            run(false, Path::new("chown"), &["-R", "postgres", dir.to_str().unwrap()]);
        }
        run(false, Path::new("chmod"), &["0600", dir.join("server.key").to_str().unwrap()]);
        let bin = pg_bindir();
        let data = dir.join("data");
        run(
            root,
            &bin.join("initdb"),
            &["-D", data.to_str().unwrap(), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        );
        let port = free_port();
        let options = format!(
            "-p {port} -k {dir} -c listen_addresses=localhost -c ssl=on \
             -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key \
             -c fsync=off -c shared_buffers=16MB -c max_connections=20",
            dir = dir.display()
        );
        let log = dir.join("server.log");
        run(
            root,
            &bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        TlsCluster { dir, port, bin }
    }

    /// A URL to its `postgres` database at `host` with extra `params`.
    pub fn url(&self, host: &str, params: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres?{params}", self.port)
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let mut command = if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(self.bin.join("pg_ctl"));
            command
        } else {
            Command::new(self.bin.join("pg_ctl"))
        };
        let _ = command.args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
