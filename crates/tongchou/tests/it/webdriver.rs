//! A minimal W3C WebDriver client for Debian's chromedriver + headless chromium.
//!
//! `Driver::start()` returns `None` (and says why) when the browser is not installed, so a
//! browser test can skip itself; `scripts/test.sh` installs both packages when run as root.
//! When they are installed but the browser cannot start, it panics rather than skip.
//! Elements are waited for up to 3 s (implicit wait); dropping a `Driver` closes the browser.
//! Every command returns `Result<_, String>` carrying chromedriver's error message.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C key under which an element reference is returned.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    http: reqwest::Client,
    port: u16,
    session: String,
    child: Child,
    profile: PathBuf,
    quit: bool,
}

impl Driver {
    /// Starts chromedriver on a free port and opens a headless chromium session.
    pub async fn start() -> Option<Driver> {
        for bin in [CHROMEDRIVER, CHROMIUM] {
            if !std::path::Path::new(bin).exists() {
                eprintln!("webdriver: {bin} is missing, skipping browser test (scripts/test.sh installs it as root)");
                return None;
            }
        }
        match Self::try_start().await {
            Ok(d) => Some(d),
            Err(e) => panic!("webdriver: chromium is installed but could not be started: {e}"),
        }
    }

    async fn try_start() -> Result<Driver, String> {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let profile = std::env::temp_dir().join(format!(
            "tongchou-chromium-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).map_err(|e| format!("{}: {e}", profile.display()))?;
        let log = profile.with_extension("chromedriver.log");
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = child.map_err(|e| {
            let _ = std::fs::remove_dir_all(&profile);
            format!("spawn {CHROMEDRIVER}: {e}")
        })?;
        let mut d = Driver {
            http,
            port,
            session: String::new(),
            child,
            profile,
            quit: false,
        };
        match d.open_session(&log).await {
            Ok(()) => Ok(d),
            Err(e) => {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let mut cut = text.len().saturating_sub(3000); // Drop deletes the log
                while !text.is_char_boundary(cut) {
                    cut += 1;
                }
                let tail = &text[cut..];
                Err(format!("{e}\n--- end of chromedriver log ---\n{tail}"))
            }
        }
    }

    async fn open_session(&mut self, log: &std::path::Path) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(v) = self.call(reqwest::Method::GET, "/status", None).await {
                if v["ready"].as_bool() == Some(true) {
                    break;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "chromedriver exited with {status} (log {})",
                    log.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "chromedriver not ready after 10 s (log {})",
                    log.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(), // needed when running as root (CI)
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(), // the CI network refuses Google's hosts
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", self.profile.display()),
        ];
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        }}});
        let v = self
            .call(reqwest::Method::POST, "/session", Some(caps))
            .await?;
        self.session = v["sessionId"]
            .as_str()
            .ok_or("no sessionId in new-session reply")?
            .to_string();
        // Wait up to 3 s for an element to appear (e.g. right after a click that navigates).
        self.post("/timeouts", json!({ "implicit": 3000, "pageLoad": 30000 }))
            .await?;
        Ok(())
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let mut req = self.http.request(method, &url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = resp.status();
        let mut v: Value = resp
            .json()
            .await
            .map_err(|e| format!("{path}: bad reply: {e}"))?;
        let value = v["value"].take();
        if status.is_success() {
            return Ok(value);
        }
        let msg = value["message"]
            .as_str()
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("");
        Err(format!(
            "{path}: {} ({status}): {msg}",
            value["error"].as_str().unwrap_or("error")
        ))
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        let path = format!("/session/{}{path}", self.session);
        self.call(reqwest::Method::POST, &path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Result<Value, String> {
        let path = format!("/session/{}{path}", self.session);
        self.call(reqwest::Method::GET, &path, None).await
    }

    fn string(v: Value, what: &str) -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("{what}: not a string: {v}"))
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    /// The WebDriver element id of the first element matching `css`.
    pub async fn find(&self, css: &str) -> Result<String, String> {
        let v = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await;
        let v = v.map_err(|e| format!("{e} [css: {css}]"))?;
        Self::string(v[ELEMENT].clone(), css)
    }

    /// Clears the field, then types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), String> {
        let id = self.find(css).await?;
        self.post(&format!("/element/{id}/clear"), json!({}))
            .await?;
        self.post(&format!("/element/{id}/value"), json!({ "text": text }))
            .await
            .map(drop)
    }

    /// Types into a field without clearing it first (file inputs take a path this way).
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let id = self.find(css).await?;
        self.post(&format!("/element/{id}/value"), json!({ "text": text }))
            .await
            .map(drop)
    }

    /// Chooses `<option value="value">` of the `<select>` matching `css`.
    pub async fn select(&self, css: &str, value: &str) -> Result<(), String> {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        self.click(&format!("{css} option[value=\"{escaped}\"]"))
            .await
    }

    pub async fn click(&self, css: &str) -> Result<(), String> {
        let id = self.find(css).await?;
        self.post(&format!("/element/{id}/click"), json!({}))
            .await
            .map(drop)
    }

    /// The rendered (visible) text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> Result<String, String> {
        let id = self.find(css).await?;
        Self::string(self.get(&format!("/element/{id}/text")).await?, css)
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    pub async fn page_source(&self) -> Result<String, String> {
        Self::string(self.get("/source").await?, "source")
    }

    pub async fn current_url(&self) -> Result<String, String> {
        Self::string(self.get("/url").await?, "url")
    }

    pub async fn screenshot_png(&self) -> Result<Vec<u8>, String> {
        base64_decode(&Self::string(self.get("/screenshot").await?, "screenshot")?)
    }

    /// Ends the browser session; Drop then stops chromedriver.
    pub async fn quit(mut self) -> Result<(), String> {
        self.quit = true;
        let path = format!("/session/{}", self.session);
        self.call(reqwest::Method::DELETE, &path, None)
            .await
            .map(drop)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.quit && !self.session.is_empty() {
            // Drop cannot await: close the session with a plain blocking HTTP request.
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let req = format!(
                    "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.session, self.port
                );
                let _ = s.write_all(req.as_bytes());
                let _ = s.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        kill_leftover_browsers(&self.profile);
        let _ = std::fs::remove_dir_all(&self.profile);
        let _ = std::fs::remove_file(self.profile.with_extension("chromedriver.log"));
    }
}

/// Kills chromium processes still using `profile` (left when chromedriver died before the session
/// was closed). Positive pids only: procps-ng 4.0.2 turns `kill -KILL -PGID` into kill(-9, ...).
fn kill_leftover_browsers(profile: &std::path::Path) {
    let arg = format!("--user-data-dir={}", profile.display());
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    let pids: Vec<String> = procs
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            // children rewrite their argv into one space-separated string
            cmdline.split(|&b| b == 0).any(|a| a == arg.as_bytes())
                || cmdline
                    .split(|&b| b == 0 || b == b' ')
                    .any(|a| a == arg.as_bytes())
        })
        .collect();
    if !pids.is_empty() {
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--"])
            .args(&pids)
            .status();
    }
}

/// Standard (and URL-safe) base64, padding and whitespace ignored.
fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\r' | b'\n' | b' ' => continue,
            _ => return Err(format!("invalid base64 byte {c:#04x}")),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}
