//! A small TCP proxy for simulating a Postgres outage without touching the real, shared
//! server: point clients at [`PgProxy::port`], then call [`PgProxy::cut`] and
//! [`PgProxy::restore`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// A TCP proxy on 127.0.0.1:0 forwarding to `upstream` (e.g. "127.0.0.1:5432").
///
/// Background tasks stop when the proxy is dropped (or when its runtime shuts down).
pub struct PgProxy {
    port: u16,
    shared: Arc<Shared>,
}

/// State shared between the handle and the accept loop.
struct Shared {
    /// Cancelled when the proxy is dropped; parent of every generation token.
    shutdown: CancellationToken,
    /// Outage flag and the token of the current connection generation. Both live under one
    /// lock so that a connection is either refused (cut) or registered under a token that a
    /// later `cut` will cancel — never missed by both.
    state: Mutex<State>,
    /// Client connections accepted so far.
    accepted: AtomicUsize,
}

struct State {
    cut: bool,
    generation: CancellationToken,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl PgProxy {
    /// Binds 127.0.0.1:0 and starts forwarding in background tokio tasks.
    ///
    /// `upstream` is resolved once, here, so a bad address fails immediately.
    pub async fn start(upstream: &str) -> std::io::Result<PgProxy> {
        let upstream: SocketAddr =
            tokio::net::lookup_host(upstream).await?.next().ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("upstream {upstream:?} resolved to no address"),
                )
            })?;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let shutdown = CancellationToken::new();
        let shared = Arc::new(Shared {
            shutdown: shutdown.clone(),
            state: Mutex::new(State { cut: false, generation: shutdown.child_token() }),
            accepted: AtomicUsize::new(0),
        });
        tokio::spawn(accept_loop(listener, upstream, Arc::clone(&shared)));
        Ok(PgProxy { port, shared })
    }

    /// The local port clients should connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Simulates an outage: closes every open proxied connection at once (both directions
    /// shut down / sockets dropped) and, until [`PgProxy::restore`], accepts new connections
    /// but closes them immediately (so clients see connection errors, like a restarting server).
    ///
    /// Callable from sync code; the forwarding tasks notice within one scheduler turn.
    pub fn cut(&self) {
        let mut state = self.shared.lock();
        state.cut = true;
        let old = std::mem::replace(&mut state.generation, self.shared.shutdown.child_token());
        old.cancel();
    }

    /// Ends the outage: new connections are forwarded again.
    pub fn restore(&self) {
        self.shared.lock().cut = false;
    }

    /// Number of client connections accepted so far (for assertions), including those
    /// refused during an outage.
    pub fn connections(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for PgProxy {
    /// Stops the accept loop and all forwarding tasks (their sockets are closed).
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
    }
}

/// Accepts clients until shutdown; each live one gets a forwarding task.
async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    loop {
        let client = tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                // Transient (e.g. EMFILE, aborted handshake): keep serving.
                Err(_) => {
                    tokio::task::yield_now().await;
                    continue;
                }
            },
        };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        let token = {
            let state = shared.lock();
            if state.cut {
                None
            } else {
                Some(state.generation.clone())
            }
        };
        match token {
            // Outage: close right away; the client sees EOF / reset during its handshake.
            None => drop(client),
            Some(token) => {
                tokio::spawn(forward(client, upstream, token));
            }
        }
    }
}

/// Pipes bytes both ways until either side closes or `token` is cancelled (cut or drop);
/// both sockets are dropped on return.
async fn forward(mut client: TcpStream, upstream: SocketAddr, token: CancellationToken) {
    let _ = client.set_nodelay(true);
    tokio::select! {
        _ = token.cancelled() => {}
        _ = async {
            let Ok(mut server) = TcpStream::connect(upstream).await else { return };
            let _ = server.set_nodelay(true);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        } => {}
    }
}
