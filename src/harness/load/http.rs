//! A minimal HTTP/1.1 client over one keep-alive TCP connection: enough to drive the REST API
//! with JSON requests, without pulling an HTTP stack into the crate. `http://` only.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Where the API listens, parsed from `http://host:port[/prefix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `host:port`.
    pub authority: String,
    /// Path prefix without a trailing slash ("" for none).
    pub prefix: String,
}

impl BaseUrl {
    /// Parses `http://host[:port][/prefix]` (port 80 when absent).
    pub fn parse(url: &str) -> Result<BaseUrl, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("--api-url must start with http://, got {url:?}"))?;
        let (authority, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(format!("--api-url has no host: {url:?}"));
        }
        let authority =
            if authority.contains(':') { authority.to_string() } else { format!("{authority}:80") };
        Ok(BaseUrl { authority, prefix: prefix.to_string() })
    }
}

/// One connection; reconnects after an error.
pub struct Client {
    base: BaseUrl,
    authorization: Option<String>,
    connection: Option<BufReader<TcpStream>>,
}

/// A response: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Client {
    /// A client of `base` (connects on first use).
    pub fn new(base: BaseUrl) -> Self {
        Client { base, authorization: None, connection: None }
    }

    /// The same client sending `Authorization: {value}` with every request (as a real client
    /// sends its credentials).
    pub fn with_authorization(mut self, value: Option<String>) -> Self {
        self.authorization = value;
        self
    }

    /// Sends `method path` with an optional JSON body and reads the whole response.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> std::io::Result<Response> {
        let result = self.exchange(method, path, body).await;
        if result.is_err() {
            self.connection = None;
        }
        result
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> std::io::Result<Response> {
        if self.connection.is_none() {
            let stream = TcpStream::connect(&self.base.authority).await?;
            stream.set_nodelay(true)?;
            self.connection = Some(BufReader::new(stream));
        }
        let connection = self.connection.as_mut().expect("connected");
        let body = body.unwrap_or_default();
        let mut request = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nContent-Length: {}\r\n",
            self.base.prefix,
            self.base.authority,
            body.len()
        );
        if !body.is_empty() {
            request.push_str("Content-Type: application/json\r\n");
        }
        if let Some(value) = &self.authorization {
            request.push_str(&format!("Authorization: {value}\r\n"));
        }
        request.push_str("\r\n");
        let stream = connection.get_mut();
        stream.write_all(request.as_bytes()).await?;
        stream.write_all(body).await?;
        read_response(connection).await
    }
}

async fn read_response(reader: &mut BufReader<TcpStream>) -> std::io::Result<Response> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("bad status line"))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Err(invalid("headers cut short"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().map_err(|_| invalid("bad content-length"))?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked") {
                chunked = true;
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| invalid("bad chunk size"))?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body).await?;
    }
    Ok(Response { status, body })
}

#[cfg(test)]
mod tests;
