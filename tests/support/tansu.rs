//! The tansu test broker (scripts/kafka-up.sh) on a port of the test's own, stopped on drop,
//! and goalstream processes killed on drop (a failing test leaves nothing running).

use std::process::{Child, Command, Stdio};

/// A free TCP port on 127.0.0.1 (free when asked; tests start their listener right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A tansu broker with in-memory storage.
pub struct Tansu {
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Tansu {
    /// Starts a broker on `port` with `topics` (`NAME:PARTITIONS`).
    pub fn start(port: u16, topics: &[&str]) -> Tansu {
        let mut command = Command::new("scripts/kafka-up.sh");
        command.args(["--port", &port.to_string()]);
        for topic in topics {
            command.args(["--topic", topic]);
        }
        let status = command.stdout(Stdio::null()).status().expect("scripts/kafka-up.sh runs");
        assert!(status.success(), "the tansu broker did not start (scripts/kafka-up.sh)");
        Tansu { port }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ =
            Command::new("scripts/kafka-down.sh").args(["--port", &self.port.to_string()]).status();
    }
}

/// A child process killed when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (at most 30 s) until something accepts TCP connections on 127.0.0.1:`port`.
fn wait_listening(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A tansu broker reached only through TLS: tansu on a plain port advertising
/// `localhost:TLS_PORT`, and Debian's stunnel4 on TLS_PORT terminating TLS with a server
/// certificate for `localhost` from a CA of the test's own (`ca.crt` in [`Self::dir`]).
pub struct TlsTansu {
    /// Certificates, configuration and logs.
    pub dir: std::path::PathBuf,
    /// The TLS port clients bootstrap from (as `localhost:PORT`).
    pub tls_port: u16,
    _stunnel: Process,
    _tansu: Process,
}

impl TlsTansu {
    /// Starts tansu with `topics` (`NAME:PARTITIONS`) and stunnel in front of it.
    pub fn start(topics: &[&str]) -> TlsTansu {
        let (plain, tls_port) = (free_port(), free_port());
        let dir = std::env::temp_dir().join(format!("goalstream-tls-kafka-{plain}"));
        std::fs::create_dir_all(&dir).unwrap();
        super::certs::make_ca(&dir, "ca");
        super::certs::make_server_cert(&dir, "ca", "DNS:localhost");
        let output = Command::new("scripts/kafka-up.sh").arg("--print-binary").output().unwrap();
        assert!(output.status.success(), "scripts/kafka-up.sh --print-binary failed");
        let tansu_bin = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let log = std::fs::File::create(dir.join("tansu.log")).unwrap();
        let tansu = Process(
            Command::new(&tansu_bin)
                .args(["broker", "--listener-url", &format!("tcp://127.0.0.1:{plain}")])
                .args(["--advertised-listener-url", &format!("tcp://localhost:{tls_port}")])
                .args(["--storage-engine", "memory://tansu/"])
                .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
                .env_remove("SCHEMA_REGISTRY")
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("tansu starts"),
        );
        wait_listening(plain, "tansu");
        for spec in topics {
            let (name, partitions) = spec.split_once(':').unwrap_or((spec, "1"));
            let output = Command::new(&tansu_bin)
                .args(["topic", "create", name, "--partitions", partitions])
                .args(["--broker", &format!("tcp://127.0.0.1:{plain}")])
                .output()
                .unwrap();
            assert!(output.status.success(), "creating {name}: {output:?}");
        }
        let path = |name: &str| dir.join(name).display().to_string();
        let config = format!(
            "foreground = yes\npid =\noutput = {}\n[kafka]\naccept = 127.0.0.1:{tls_port}\n\
             connect = 127.0.0.1:{plain}\ncert = {}\nkey = {}\n",
            path("stunnel.log"),
            path("server.crt"),
            path("server.key")
        );
        std::fs::write(dir.join("stunnel.conf"), config).unwrap();
        let stunnel = Process(
            Command::new("stunnel4")
                .arg(dir.join("stunnel.conf"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("stunnel4 starts (scripts/deps.sh installs it)"),
        );
        wait_listening(tls_port, "stunnel4");
        TlsTansu { dir, tls_port, _stunnel: stunnel, _tansu: tansu }
    }

    /// The bootstrap address, by the name on the certificate.
    pub fn address(&self) -> String {
        format!("localhost:{}", self.tls_port)
    }

    /// The CA that signed the broker's certificate.
    pub fn ca(&self) -> std::path::PathBuf {
        self.dir.join("ca.crt")
    }
}

impl Drop for TlsTansu {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
