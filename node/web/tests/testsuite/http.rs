//! Plain HTTP/1.1 requests, for what a browser would not send: a forged form, a missing token.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A response: status, raw headers, body.
pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: String,
    pub bytes: Vec<u8>,
}

/// Sends one request with `headers` (lines without the final CRLF) and `body`.
pub async fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[String],
    body: &str,
) -> Response {
    request_bytes(address, method, path, headers, body.as_bytes()).await
}

/// [`request`] with a body of any bytes. A server that answers before it has read the whole
/// body (one too large) may close the connection under the write: the answer is read anyway.
pub async fn request_bytes(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[String],
    body: &[u8],
) -> Response {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    let _ = stream.write_all(&bytes).await;
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply).await;
    let split = reply
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map_or(reply.len(), |at| at + 4);
    let bytes = reply[split..].to_vec();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        headers: head.to_owned(),
        body: body.to_owned(),
        bytes,
    }
}

/// A `multipart/form-data` body holding `bytes` as the field `file`, and its content type.
pub fn multipart_file(bytes: &[u8], file_name: &str) -> (String, Vec<u8>) {
    let boundary = "bansao-test-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The value of cookie `name` set by a response.
pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response.headers.lines().find_map(|line| {
        let value = line
            .strip_prefix("set-cookie: ")
            .or_else(|| line.strip_prefix("Set-Cookie: "))?;
        let (pair, _) = value.split_once(';').unwrap_or((value, ""));
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

/// The value of the hidden `csrf` field of a page.
pub fn csrf_field(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_owned()
}

/// A form body from `pairs` (`application/x-www-form-urlencoded`).
pub fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}
