//! A real `redis-server` (Debian package `redis-server`) on a free loopback port, for the shared
//! limiter's tests and benchmark: started, killed and restarted by hand, stopped when dropped.
//! Nothing is saved to disk.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or killed) Redis server.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers.
    pub fn start() -> Result<RedisServer, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let mut server = RedisServer { port, child: None };
        server.restart()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server at once (SIGKILL: no goodbye to its clients), keeping the port.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// (Re)starts the server on the same port, empty, and waits until it answers.
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "redis-server: {e}. The shared limiter's tests need a real Redis server: \
                     install the Debian package redis-server (`apt-get install redis-server`; \
                     .ci/run does it)"
                )
            })?;
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if self.ping() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "redis-server on port {} did not answer within 10 s",
            self.port
        ))
    }

    /// Whether the server answers PING.
    pub fn ping(&self) -> bool {
        self.command(&["PING"]).is_some_and(|r| r == "+PONG")
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is answered, as with a
    /// Redis that is overloaded or behind a stalled network.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a paused server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .args([sig, &c.id().to_string()])
                .status();
        }
    }

    /// One command over a plain connection (RESP), its first reply line (a bulk string's
    /// value): enough for the tests' EXISTS and PTTL without a second client library.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        use std::io::{BufRead, BufReader, Write};
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        s.write_all(out.as_bytes()).ok()?;
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end().to_string();
        // A bulk string: its value is on the next line.
        if line.starts_with('$') && line != "$-1" {
            let mut value = String::new();
            reader.read_line(&mut value).ok()?;
            return Some(value.trim_end().to_string());
        }
        Some(line)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.resume();
        self.kill();
    }
}
