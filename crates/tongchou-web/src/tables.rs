//! Every table exports to Excel (issue 6). One mechanism for every page: `GET <page>.xlsx`
//! where no export of its own exists renders the page for the same user (same permission
//! checks, same filters from the query string) and writes each of its tables as a sheet, the
//! header row and cells exactly as shown; and every page with a table but no export link of
//! its own gets a "导出 Excel" link to it. Pages with their own exports (the ledger, the
//! statistics, the 晾晒台 board, the needs statistics) keep them.
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Pages whose exports are their own (other modules): no link is added.
const OWN_EXPORTS: &[&str] = &["/board", "/tasks", "/showcase"];

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The middleware: answers `<page>.xlsx` from the page's tables when no route of its own
/// answered, and adds the export link to HTML pages holding a table.
pub async fn layer(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    if let Some(page) = path.strip_suffix(".xlsx") {
        let (parts, _) = req.into_parts();
        let again = {
            let mut b = Request::builder()
                .method(Method::GET)
                .uri(parts.uri.clone())
                .version(parts.version);
            for (k, v) in &parts.headers {
                b = b.header(k, v);
            }
            b.body(Body::empty())
        };
        let res = next
            .clone()
            .run(Request::from_parts(parts, Body::empty()))
            .await;
        if !matches!(
            res.status(),
            StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST
        ) {
            return res;
        }
        let Ok(mut again) = again else { return res };
        let page = if page.is_empty() { "/" } else { page };
        let uri = match &query {
            Some(q) => format!("{page}?{q}"),
            None => page.to_string(),
        };
        let Ok(uri) = uri.parse() else { return res };
        *again.uri_mut() = uri;
        let html = next.run(again).await;
        return page_to_xlsx(html, page).await.unwrap_or(res);
    }
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html || res.status() != StatusCode::OK || OWN_EXPORTS.iter().any(|p| path.starts_with(p))
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let html = String::from_utf8_lossy(&bytes);
    let Some(at) = html.find("<table") else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if html.contains(".xlsx\"") || html.contains(".xlsx?") {
        // The page links an export of its own.
        return Response::from_parts(parts, Body::from(bytes));
    }
    let href = export_href(&path, query.as_deref());
    // Before the wrapper of the first table (or the table itself).
    let insert_at = html[..at]
        .rfind("<div class=\"table-wrap")
        .filter(|w| !html[*w..at].contains("</div>"))
        .unwrap_or(at);
    let link = format!(
        "<p class=\"no-print xlsx-link\"><a class=\"btn btn-ghost\" href=\"{}\">导出 Excel（本页各表）</a></p>",
        esc(&href)
    );
    let out = format!("{}{link}{}", &html[..insert_at], &html[insert_at..]);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}

/// The export link of a page: its path with `.xlsx`, the same query.
pub fn export_href(path: &str, query: Option<&str>) -> String {
    let base = if path == "/" {
        "/.xlsx".to_string()
    } else {
        format!("{}.xlsx", path.trim_end_matches('/'))
    };
    match query {
        Some(q) if !q.is_empty() => format!("{base}?{q}"),
        _ => base,
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table of a page: a name (the heading above it) and its rows of cell text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlTable {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

fn unescape(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed.
fn text_of(frag: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in frag.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tables of a page, in order, each named by the nearest heading before it.
pub fn tables(html: &str) -> Vec<HtmlTable> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = html[pos..].find("<table").map(|i| i + pos) {
        let Some(end) = html[start..].find("</table>").map(|i| i + start) else {
            break;
        };
        let body = &html[start..end];
        let mut rows = Vec::new();
        for tr in body.split("<tr").skip(1) {
            let tr = tr.split("</tr>").next().unwrap_or("");
            let mut cells = Vec::new();
            let mut rest = tr;
            loop {
                let th = rest.find("<th");
                let td = rest.find("<td");
                let (i, close) = match (th, td) {
                    (Some(a), Some(b)) if a < b => (a, "</th>"),
                    (Some(a), None) => (a, "</th>"),
                    (_, Some(b)) => (b, "</td>"),
                    (None, None) => break,
                };
                let after = &rest[i..];
                let Some(open_end) = after.find('>') else {
                    break;
                };
                let inner_start = i + open_end + 1;
                let inner_end = rest[inner_start..]
                    .find(close)
                    .map(|e| e + inner_start)
                    .unwrap_or(rest.len());
                cells.push(text_of(&rest[inner_start..inner_end]));
                rest = &rest[(inner_end + close.len()).min(rest.len())..];
            }
            if !cells.is_empty() {
                rows.push(cells);
            }
        }
        let before = &html[..start];
        let name = ["<h2", "<h1", "<h3", "<summary", "<legend"]
            .iter()
            .filter_map(|h| before.rfind(h).map(|i| (i, *h)))
            .max_by_key(|(i, _)| *i)
            .map(|(i, h)| {
                let close = format!("</{}>", &h[1..]);
                let seg = &before[i..];
                text_of(seg.split(close.as_str()).next().unwrap_or(""))
            })
            .unwrap_or_default();
        out.push(HtmlTable { name, rows });
        pos = end + "</table>".len();
    }
    out
}

/// A sheet name Excel accepts (≤ 31 characters, none of []:*?/\), unique in the workbook.
fn sheet_name(i: usize, name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !"[]:*?/\\'".contains(*c))
        .take(24)
        .collect();
    let mut n = format!(
        "{}{}",
        i + 1,
        if clean.is_empty() {
            "表".into()
        } else {
            format!(" {clean}")
        }
    );
    n = n.chars().take(31).collect();
    while used.contains(&n) {
        n = format!("{}_", n.chars().take(30).collect::<String>());
    }
    used.push(n.clone());
    n
}

/// The page's tables as a workbook (one sheet each); `None` when the page did not render or
/// holds no table.
async fn page_to_xlsx(res: Response, page: &str) -> Option<Response> {
    if res.status() != StatusCode::OK {
        return None;
    }
    let html_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html_type {
        return None;
    }
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .ok()?;
    let html = String::from_utf8_lossy(&bytes);
    let ts = tables(&html);
    if ts.is_empty() {
        return None;
    }
    let bytes = match workbook(&ts) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(page, error = %e, "table export failed");
            return None;
        }
    };
    let file = page
        .trim_matches('/')
        .replace('/', "-")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect::<String>();
    let file = if file.is_empty() { "todo".into() } else { file };
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}.xlsx\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Some(r)
}

/// Write the tables as a workbook: the first row of each in bold (the header as shown), numbers
/// as numbers.
pub fn workbook(ts: &[HtmlTable]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut used = Vec::new();
    for (i, t) in ts.iter().enumerate() {
        let ws = wb
            .add_worksheet()
            .set_name(sheet_name(i, &t.name, &mut used))?;
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                if r == 0 {
                    ws.write_with_format(r, c, cell, &bold)?;
                } else if let Some(n) = as_number(cell) {
                    ws.write(r, c, n)?;
                } else {
                    ws.write(r, c, cell)?;
                }
            }
        }
        ws.set_column_width(0, 24)?;
    }
    wb.save_to_buffer()
}

fn as_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.len() > 15 || (t.starts_with('0') && t.len() > 1 && !t.starts_with("0.")) {
        return None;
    }
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    t.parse().ok()
}

/// The first row of every sheet of a workbook (for tests and checks), by sheet.
pub fn header_rows(bytes: &[u8]) -> Vec<(String, Vec<String>)> {
    use calamine::Reader;
    let Ok(mut wb) = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(
        bytes.to_vec(),
    )) else {
        return Vec::new();
    };
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let first = wb
                .worksheet_range(&n)
                .ok()
                .and_then(|r| {
                    r.rows().next().map(|row| {
                        row.iter()
                            .map(|d| match d {
                                calamine::Data::String(s) => s.clone(),
                                calamine::Data::Empty => String::new(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .unwrap_or_default();
            (n, first)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_read_with_their_headings() {
        let html = "<h2>逾期事项</h2><div class=\"table-wrap\"><table class=\"data\"><thead><tr><th>项目</th><th class=\"num\">天数</th></tr></thead>\
                    <tbody><tr><td><a href=\"/projects/1\">甲 &amp; 乙</a></td><td class=\"num\">12</td></tr></tbody></table></div>";
        let t = tables(html);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].name, "逾期事项");
        assert_eq!(
            t[0].rows,
            vec![
                vec!["项目".to_string(), "天数".into()],
                vec!["甲 & 乙".into(), "12".into()]
            ]
        );
        let b = workbook(&t).unwrap();
        let h = header_rows(&b);
        assert_eq!(h[0].1, vec!["项目".to_string(), "天数".into()]);
    }
}
