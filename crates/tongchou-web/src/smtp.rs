//! A small SMTP client over tokio TCP for an internal mail relay: EHLO, optional AUTH PLAIN,
//! MAIL FROM, RCPT TO, DATA (dot-stuffed), QUIT. No TLS: point it at a relay inside the
//! government network (or a local relay that forwards over TLS). The message is UTF-8
//! text/plain, base64 encoded; the subject is an RFC 2047 encoded word.
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Where and how to send: from `smtp://[user[:password]@]host[:port]` (port 25 by default).
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Each step (connect, every reply) must answer within this.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        write!(f, "SmtpConfig({})", self.redacted())
    }
}

impl SmtpConfig {
    pub fn parse(url: &str) -> Result<SmtpConfig, String> {
        let rest = url
            .trim()
            .strip_prefix("smtp://")
            .ok_or_else(|| "TONGCHOU_SMTP_URL 应为 smtp://[用户:密码@]主机[:端口]".to_string())?;
        let rest = rest.trim_end_matches('/');
        let (creds, hostport) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (user, password) = match creds {
            None => (None, None),
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)?), Some(percent_decode(p)?)),
                None => (Some(percent_decode(c)?), None),
            },
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h.trim_start_matches('[').trim_end_matches(']').to_string(),
                p.parse::<u16>()
                    .map_err(|_| format!("TONGCHOU_SMTP_URL 端口不正确：{p}"))?,
            ),
            _ => (hostport.to_string(), 25),
        };
        if host.is_empty() {
            return Err("TONGCHOU_SMTP_URL 缺少主机名".into());
        }
        Ok(SmtpConfig {
            host,
            port,
            user,
            password,
            timeout: Duration::from_secs(30),
        })
    }

    /// The URL with the password hidden, for logs and the outbox page.
    pub fn redacted(&self) -> String {
        let creds = match (&self.user, &self.password) {
            (Some(u), Some(_)) => format!("{u}:***@"),
            (Some(u), None) => format!("{u}@"),
            _ => String::new(),
        };
        format!("smtp://{creds}{}:{}", self.host, self.port)
    }
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h =
                std::str::from_utf8(&b[i + 1..i + 3]).map_err(|_| "URL 转义不正确".to_string())?;
            out.push(u8::from_str_radix(h, 16).map_err(|_| "URL 转义不正确".to_string())?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "URL 转义不是 UTF-8".to_string())
}

/// One message to one recipient.
pub struct Mail<'a> {
    pub from: &'a str,
    pub from_name: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// Unique per delivery (so a receiver can spot a duplicate): `<id@domain>` without brackets.
    pub message_id: &'a str,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Decode base64, ignoring line breaks (tests read captured mail with it).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        if c == b'\r' || c == b'\n' || c == b' ' {
            continue;
        }
        if c == b'=' {
            break;
        }
        let v = B64.iter().position(|&x| x == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// RFC 2047 encoded words (`=?UTF-8?B?…?=`, each at most 75 characters, split on character
/// boundaries, folded); plain printable ASCII stays as it is.
pub fn encode_header(text: &str) -> String {
    if text.chars().all(|c| (' '..='~').contains(&c)) {
        return text.to_string();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", base64_encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", base64_encode(chunk.as_bytes())));
    }
    words.join("\r\n ")
}

/// The message as sent after DATA: headers, base64 body, every line ending CRLF, dot-stuffed,
/// ending with the lone dot.
pub fn message_data(m: &Mail<'_>, date: &str) -> String {
    let mut lines = vec![
        format!("Date: {date}"),
        format!("From: {} <{}>", encode_header(m.from_name), m.from),
        format!("To: <{}>", m.to),
        format!("Subject: {}", encode_header(m.subject)),
        format!("Message-ID: <{}>", m.message_id),
        "MIME-Version: 1.0".into(),
        "Content-Type: text/plain; charset=UTF-8".into(),
        "Content-Transfer-Encoding: base64".into(),
        String::new(),
    ];
    let body = m.body.replace("\r\n", "\n").replace('\n', "\r\n");
    let b64 = base64_encode(body.as_bytes());
    for i in (0..b64.len()).step_by(76) {
        lines.push(b64[i..(i + 76).min(b64.len())].to_string());
    }
    dot_stuff(&lines.join("\r\n"))
}

/// Lines joined with CRLF, every line that starts with a dot given a second one (RFC 5321
/// 4.5.2), ending with the lone dot that closes DATA.
pub fn dot_stuff(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split("\r\n") {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
    out
}

/// RFC 5322 date in Asia/Shanghai.
pub fn rfc5322_now() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        .strftime("%a, %d %b %Y %H:%M:%S %z")
        .to_string()
}

struct Conn {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: tokio::net::tcp::OwnedWriteHalf,
    timeout: Duration,
}

impl Conn {
    /// Read one (possibly multi-line) reply: its code and text.
    async fn reply(&mut self) -> Result<(u16, String), String> {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let n =
                tokio::time::timeout(self.timeout, (&mut self.r).take(4096).read_line(&mut line))
                    .await
                    .map_err(|_| "邮件服务器应答超时".to_string())?
                    .map_err(|e| format!("读取邮件服务器应答失败：{e}"))?;
            if n == 0 {
                return Err("邮件服务器关闭了连接".into());
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.len() < 3 || text.len() > 16_384 {
                return Err(format!("邮件服务器应答格式不正确：{line}"));
            }
            let code: u16 = line[..3]
                .parse()
                .map_err(|_| format!("邮件服务器应答格式不正确：{line}"))?;
            text.push_str(line.get(4..).unwrap_or(""));
            text.push('\n');
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok((code, text.trim_end().to_string()));
            }
        }
    }

    async fn send(&mut self, data: &str) -> Result<(), String> {
        tokio::time::timeout(self.timeout, self.w.write_all(data.as_bytes()))
            .await
            .map_err(|_| "向邮件服务器发送超时".to_string())?
            .map_err(|e| format!("向邮件服务器发送失败：{e}"))
    }

    /// Send a command and expect one of the codes. `shown`: how the command appears in an error
    /// (AUTH never shows its argument).
    async fn cmd(&mut self, line: &str, shown: &str, ok: &[u16]) -> Result<String, String> {
        self.send(&format!("{line}\r\n")).await?;
        let (code, text) = self.reply().await?;
        if ok.contains(&code) {
            Ok(text)
        } else {
            Err(format!("{shown} → {code} {text}"))
        }
    }
}

/// Send one message. Errors name the step and the server's reply (never the password).
pub async fn send(cfg: &SmtpConfig, helo: &str, m: &Mail<'_>) -> Result<(), String> {
    for addr in [m.from, m.to] {
        if addr.contains(['\r', '\n', '<', '>']) {
            return Err("邮箱地址含有不允许的字符".into());
        }
    }
    let stream = tokio::time::timeout(
        cfg.timeout,
        TcpStream::connect((cfg.host.as_str(), cfg.port)),
    )
    .await
    .map_err(|_| format!("连接邮件服务器 {}:{} 超时", cfg.host, cfg.port))?
    .map_err(|e| format!("连接邮件服务器 {}:{} 失败：{e}", cfg.host, cfg.port))?;
    let (r, w) = stream.into_split();
    let mut c = Conn {
        r: BufReader::new(r),
        w,
        timeout: cfg.timeout,
    };
    let (code, text) = c.reply().await?;
    if code != 220 {
        return Err(format!("邮件服务器拒绝连接：{code} {text}"));
    }
    if let Err(e) = c.cmd(&format!("EHLO {helo}"), "EHLO", &[250]).await {
        // An old relay without ESMTP: HELO, unless AUTH (an extension) is needed.
        if cfg.user.is_some() {
            return Err(e);
        }
        c.cmd(&format!("HELO {helo}"), "HELO", &[250]).await?;
    }
    if let Some(user) = &cfg.user {
        let token = base64_encode(
            format!("\0{user}\0{}", cfg.password.as_deref().unwrap_or("")).as_bytes(),
        );
        c.cmd(&format!("AUTH PLAIN {token}"), "AUTH PLAIN", &[235])
            .await?;
    }
    c.cmd(&format!("MAIL FROM:<{}>", m.from), "MAIL FROM", &[250])
        .await?;
    c.cmd(&format!("RCPT TO:<{}>", m.to), "RCPT TO", &[250, 251])
        .await?;
    c.cmd("DATA", "DATA", &[354]).await?;
    c.send(&message_data(m, &rfc5322_now())).await?;
    let (code, text) = c.reply().await?;
    if code != 250 {
        return Err(format!("DATA → {code} {text}"));
    }
    // The message is accepted; a failed QUIT changes nothing.
    let _ = c.cmd("QUIT", "QUIT", &[221]).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_is_parsed_and_the_password_never_shown() {
        let c = SmtpConfig::parse("smtp://mailer:p%40ss@relay.example:2525").unwrap();
        assert_eq!(c.host, "relay.example");
        assert_eq!(c.port, 2525);
        assert_eq!(c.user.as_deref(), Some("mailer"));
        assert_eq!(c.password.as_deref(), Some("p@ss"));
        assert_eq!(c.redacted(), "smtp://mailer:***@relay.example:2525");
        assert!(!format!("{c:?}").contains("p@ss"));
        let d = SmtpConfig::parse("smtp://relay.example").unwrap();
        assert_eq!((d.port, d.user), (25, None));
        assert!(SmtpConfig::parse("http://relay").is_err());
    }

    #[test]
    fn base64_round_trips_and_subject_is_encoded_words() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "统筹平台"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        let subject = "期限已过，请确认处理：某某区数字化应用建设项目逾期未完成采购的后果提请";
        let h = encode_header(subject);
        let mut decoded = String::new();
        for w in h.split("\r\n ") {
            assert!(w.len() <= 75, "{w}");
            let inner = w
                .strip_prefix("=?UTF-8?B?")
                .unwrap()
                .strip_suffix("?=")
                .unwrap();
            decoded.push_str(&String::from_utf8(base64_decode(inner).unwrap()).unwrap());
        }
        assert_eq!(decoded, subject);
    }

    #[test]
    fn lines_starting_with_a_dot_are_stuffed() {
        assert_eq!(
            dot_stuff("a\r\n.\r\n..b\r\nc.d"),
            "a\r\n..\r\n...b\r\nc.d\r\n.\r\n"
        );
        let m = Mail {
            from: "a@b.cn",
            from_name: "统筹平台",
            to: "c@d.cn",
            subject: "x",
            body: ".\n..",
            message_id: "1@b.cn",
        };
        let data = message_data(&m, "Thu, 01 Jan 2026 00:00:00 +0800");
        assert!(data.ends_with("\r\n.\r\n"));
        let body = data
            .split("\r\n\r\n")
            .nth(1)
            .unwrap()
            .trim_end_matches("\r\n.\r\n");
        assert_eq!(base64_decode(body).unwrap(), b".\r\n..");
    }
}
