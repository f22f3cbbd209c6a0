//! Fake providers for the adapter tests: a tiny HTTP responder and an SMTP sink, each on
//! 127.0.0.1 on a port the OS picks, in a thread that serves a fixed number of exchanges.
//! Compiled for this crate's tests and, with the `test-support` feature, for other crates'
//! tests (the HTTP tests point the Telegram adapter at [`FakeHttp`]).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A request the fake HTTP server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `POST`.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The value of a header (name lower-cased).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("json body")
    }

    /// The body as form fields.
    pub fn form(&self) -> Vec<(String, String)> {
        form_decode(&String::from_utf8(self.body.clone()).unwrap())
    }
}

fn form_decode(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// A fake HTTP server answering each request in turn with the next `(status, body)`.
pub struct FakeHttp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    handle: Option<JoinHandle<()>>,
}

impl FakeHttp {
    /// Starts serving one scripted response per request, in order.
    pub fn start(responses: Vec<(u16, String)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let handle = std::thread::spawn(move || {
            for (status, body) in responses {
                let (stream, _) = listener.accept().unwrap();
                let request = serve_one(stream, status, &body);
                recorded.lock().unwrap().push(request);
            }
        });
        Self {
            base,
            requests,
            handle: Some(handle),
        }
    }

    /// Waits until every scripted response was served and returns the requests.
    pub fn finish(mut self) -> Vec<Recorded> {
        if let Some(handle) = self.handle.take() {
            handle.join().unwrap();
        }
        self.requests.lock().unwrap().clone()
    }
}

fn serve_one(stream: TcpStream, status: u16, body: &str) -> Recorded {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut request_body = vec![0; length];
    reader.read_exact(&mut request_body).unwrap();
    let mut stream = stream;
    let response = format!(
        "HTTP/1.1 {status} Fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).unwrap();
    stream.flush().unwrap();
    Recorded {
        method,
        path,
        headers,
        body: request_body,
    }
}

/// An address on loopback where nothing listens.
pub fn closed_port_base() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

/// What the SMTP sink received in one session.
#[derive(Debug, Clone, Default)]
pub struct SmtpSession {
    /// The commands, in order (`EHLO ...`, `MAIL FROM:<...>`, ...).
    pub commands: Vec<String>,
    /// The message after `DATA`, without the final dot.
    pub data: String,
}

/// A minimal SMTP sink: one session, answering `rcpt_reply` to `RCPT TO`.
pub struct SmtpSink {
    /// The port it listens on.
    pub port: u16,
    handle: Option<JoinHandle<SmtpSession>>,
}

impl SmtpSink {
    /// Starts a sink for one session.
    pub fn start(rcpt_reply: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            smtp_session(stream, rcpt_reply)
        });
        Self {
            port,
            handle: Some(handle),
        }
    }

    /// Waits for the session to end and returns it.
    pub fn finish(mut self) -> SmtpSession {
        self.handle.take().unwrap().join().unwrap()
    }
}

fn smtp_session(stream: TcpStream, rcpt_reply: &str) -> SmtpSession {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut session = SmtpSession::default();
    let mut send = |text: &str| {
        writer.write_all(text.as_bytes()).unwrap();
        writer.flush().unwrap();
    };
    send("220 sink.local ESMTP fake\r\n");
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        session.commands.push(command);
        match verb.as_str() {
            "EHLO" | "HELO" => send("250-sink.local\r\n250 8BITMIME\r\n"),
            "MAIL" => send("250 OK\r\n"),
            "RCPT" => send(rcpt_reply),
            "DATA" => {
                send("354 go ahead\r\n");
                let mut data = String::new();
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                session.data = data;
                send("250 OK queued\r\n");
            }
            "RSET" | "NOOP" => send("250 OK\r\n"),
            "QUIT" => {
                send("221 bye\r\n");
                break;
            }
            _ => send("502 not implemented\r\n"),
        }
    }
    session
}
