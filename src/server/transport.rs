//! The protocol's framing on standard input and output (`Content-Length` headers, JSON
//! bodies), for an [`lsp_server::Connection`]. Unlike `Connection::stdio`, a body that is
//! not JSON or not a JSON-RPC message does not end the connection: it is answered with
//! the protocol's error (`-32700` parse error, `-32600` invalid request, `id: null`) and
//! the next message is read. Only broken framing (no `Content-Length`, a body cut short)
//! ends it, since the next message can no longer be found.

use std::io::{self, BufRead, Read, Write};
use std::thread::{self, JoinHandle};

use crossbeam_channel::{select, Receiver, Sender};
use lsp_server::{Connection, Message};

/// The largest body read (a whole workspace's text in one message would be far less).
const MAX_BODY: usize = 256 << 20;

/// The reader and writer threads of a connection.
#[derive(Debug)]
pub struct Threads {
    reader: JoinHandle<io::Result<()>>,
    writer: JoinHandle<io::Result<()>>,
}

impl Threads {
    /// Waits for the writer to write what it was given (the connection dropped), and,
    /// with `reader`, for the reader too (after `exit` it has stopped reading; otherwise
    /// it may wait for input forever). Broken framing or output is the error.
    pub fn join(self, reader: bool) -> io::Result<()> {
        let written = self
            .writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread failed")));
        let read = if reader {
            self.reader
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the reader thread failed")))
        } else {
            Ok(())
        };
        read.and(written)
    }
}

/// A connection on standard input and output.
pub fn stdio() -> io::Result<(Connection, Threads)> {
    let (to_writer, outbox) = crossbeam_channel::bounded::<Message>(0);
    let (to_loop, inbox) = crossbeam_channel::bounded::<Message>(0);
    let (errors, error_outbox) = crossbeam_channel::unbounded::<String>();
    let writer = thread::Builder::new()
        .name("trustlint-lsp-writer".to_string())
        .spawn(move || write_loop(&outbox, &error_outbox, &mut io::stdout().lock()))?;
    let reader = thread::Builder::new()
        .name("trustlint-lsp-reader".to_string())
        .spawn(move || read_loop(&mut io::stdin().lock(), &to_loop, &errors))?;
    let connection = Connection {
        sender: to_writer,
        receiver: inbox,
    };
    Ok((connection, Threads { reader, writer }))
}

fn write_loop(
    outbox: &Receiver<Message>,
    errors: &Receiver<String>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut errors_open = true;
    loop {
        if errors_open {
            select! {
                recv(outbox) -> message => match message {
                    Ok(message) => message.write(out)?,
                    Err(_) => return Ok(()),
                },
                recv(errors) -> body => match body {
                    Ok(body) => write_frame(out, &body)?,
                    Err(_) => errors_open = false,
                },
            }
        } else {
            match outbox.recv() {
                Ok(message) => message.write(out)?,
                Err(_) => return Ok(()),
            }
        }
    }
}

fn write_frame(out: &mut impl Write, body: &str) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// Reads messages until the end of the input, `exit`, or broken framing.
fn read_loop(
    input: &mut impl BufRead,
    to_loop: &Sender<Message>,
    errors: &Sender<String>,
) -> io::Result<()> {
    while let Some(body) = read_frame(input)? {
        match parse(&body) {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if to_loop.send(message).is_err() || exit {
                    return Ok(());
                }
            }
            Err(answer) => {
                if errors.send(answer).is_err() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// The message of a body, or the error response it gets.
fn parse(body: &[u8]) -> Result<Message, String> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| error_response(-32700, &format!("parse error: {e}")))?;
    let has_id = value.get("id").is_some();
    let message: Message = serde_json::from_value(value).map_err(|e| {
        error_response(
            -32600,
            &format!("invalid request: not a JSON-RPC request, response or notification ({e})"),
        )
    })?;
    // A request whose id is neither a number nor a string reads as a notification.
    if has_id && matches!(message, Message::Notification(_)) {
        return Err(error_response(
            -32600,
            "invalid request: the id must be an integer or a string",
        ));
    }
    Ok(message)
}

fn error_response(code: i32, message: &str) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": code, "message": message},
    })
    .to_string()
}

/// One message's body; `None` at the end of the input.
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length = None;
    let mut line = String::new();
    let mut first = true;
    loop {
        line.clear();
        // A header line is short; a longer one is not a header.
        let read = input.by_ref().take(1024).read_line(&mut line)?;
        if read == 0 {
            return if first {
                Ok(None)
            } else {
                Err(invalid("the input ended inside a message's headers"))
            };
        }
        first = false;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(invalid(&format!("not a header: {header:?}")));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let value = value
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid(&format!("not a length: {:?}", value.trim())))?;
            length = Some(value);
        }
    }
    let length = length.ok_or_else(|| invalid("a message without Content-Length"))?;
    if length > MAX_BODY {
        return Err(invalid(&format!(
            "a message of {length} bytes (at most {MAX_BODY})"
        )));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn broken_bodies_are_answered_and_the_next_message_is_read() {
        let input = [
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#),
            frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
            frame(r#"{"jsonrpc":"2.0","method":"after exit"}"#),
        ]
        .concat();
        let (to_loop, inbox) = crossbeam_channel::unbounded();
        let (errors, answers) = crossbeam_channel::unbounded();
        read_loop(&mut input.as_bytes(), &to_loop, &errors).unwrap();
        let answers: Vec<serde_json::Value> = answers
            .try_iter()
            .map(|a| serde_json::from_str(&a).unwrap())
            .collect();
        assert_eq!(answers[0]["error"]["code"], -32700);
        assert_eq!(answers[1]["error"]["code"], -32600);
        assert_eq!(answers[1]["id"], serde_json::Value::Null);
        let methods: Vec<String> = inbox
            .try_iter()
            .map(|m| match m {
                Message::Notification(n) => n.method,
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(methods, ["initialized", "exit"]);
    }

    #[test]
    fn broken_framing_ends_the_connection_without_a_panic() {
        for input in [
            "Content-Length: 10\r\n\r\n{}",
            "Content-Type: x\r\n\r\n{}",
            "Content-Length: x\r\n\r\n",
            "Content-Length: 99999999999\r\n\r\n",
            "no header\r\n\r\n",
            "Content-Length: 2\r\n",
        ] {
            let (to_loop, _inbox) = crossbeam_channel::unbounded();
            let (errors, _answers) = crossbeam_channel::unbounded();
            let result = read_loop(&mut input.as_bytes(), &to_loop, &errors);
            assert!(result.is_err(), "{input:?}");
        }
        let (to_loop, _inbox) = crossbeam_channel::unbounded();
        let (errors, _answers) = crossbeam_channel::unbounded();
        assert!(read_loop(&mut "".as_bytes(), &to_loop, &errors).is_ok());
    }
}
