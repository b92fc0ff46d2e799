//! Unit tests of `http`.

use super::*;
use tokio::net::TcpListener;

#[test]
fn base_urls_parse() {
    let url = BaseUrl::parse("http://127.0.0.1:8080/").unwrap();
    assert_eq!(url, BaseUrl { authority: "127.0.0.1:8080".into(), prefix: String::new() });
    let url = BaseUrl::parse("http://api/base").unwrap();
    assert_eq!(url, BaseUrl { authority: "api:80".into(), prefix: "/base".into() });
    assert!(BaseUrl::parse("https://x").is_err());
    assert!(BaseUrl::parse("http:///x").is_err());
}

#[tokio::test]
async fn keep_alive_requests_with_length_and_chunked_bodies() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut reader = BufReader::new(stream);
        for reply in [
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_string(),
            "HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                .to_string(),
        ] {
            let mut line = String::new();
            let mut length = 0;
            loop {
                line.clear();
                reader.read_line(&mut line).await.unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            reader.get_mut().write_all(reply.as_bytes()).await.unwrap();
        }
    });
    let mut client = Client::new(BaseUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap());
    let first = client.send("GET", "/v1/users/u1/challenges", None).await.unwrap();
    assert_eq!((first.status, first.body.as_slice()), (200, b"{}".as_slice()));
    let second = client.send("POST", "/v1/x/claim", Some(b"{}")).await.unwrap();
    assert_eq!((second.status, second.body.as_slice()), (409, b"abc".as_slice()));
}
