//! A fake student-status registry (国网/省网): the one outside boundary the runtime talks
//! to, served over real HTTP on a loopback port. It records each request's
//! `Idempotency-Key` and answers with the status the test scripts.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running fake registry.
#[derive(Clone)]
pub struct Registry {
    /// Its URL.
    pub url: String,
    /// Idempotency keys received, in order.
    pub keys: Arc<Mutex<Vec<String>>>,
    /// Statuses to answer with, in order; 200 once they run out.
    pub script: Arc<Mutex<Vec<u16>>>,
}

impl Registry {
    /// Starts one on `127.0.0.1:0`, answering with `script` first.
    pub async fn start(script: Vec<u16>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sync", listener.local_addr().unwrap());
        let me = Self { url, keys: Arc::default(), script: Arc::new(Mutex::new(script)) };
        let server = me.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut len = 0;
                    // Read the head, then the body by Content-Length.
                    loop {
                        let Ok(n) = socket.read(&mut buf[len..]).await else { return };
                        if n == 0 {
                            return;
                        }
                        len += n;
                        let text = String::from_utf8_lossy(&buf[..len]).to_string();
                        if let Some(head_end) = text.find("\r\n\r\n") {
                            let head = text[..head_end].to_ascii_lowercase();
                            let body_len = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                                .unwrap_or(0usize);
                            if len >= head_end + 4 + body_len {
                                let key = head.lines().find_map(|l| l.strip_prefix("idempotency-key:")).unwrap_or("");
                                server.keys.lock().unwrap().push(key.trim().to_owned());
                                let status = {
                                    let mut s = server.script.lock().unwrap();
                                    if s.is_empty() { 200 } else { s.remove(0) }
                                };
                                let reply =
                                    format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
                                let _ = socket.write_all(reply.as_bytes()).await;
                                return;
                            }
                        }
                    }
                });
            }
        });
        me
    }
}
