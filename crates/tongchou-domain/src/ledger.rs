//! The project ledger (台账) as a spreadsheet: the columns of the Excel export and of the
//! declaration import template, and the parsing of an imported sheet.
//!
//! The import columns are a subset of the ledger's, with the same Chinese headers, so an exported
//! ledger imports back; the ledger's other columns (编号、阶段、立项金额…) are recognised and
//! ignored. Every row goes through [`ProjectInput::parse`], the same parsing as the draft form;
//! any error anywhere → nothing is imported, and each error names its row and column.
use crate::project::{BuildKind, Category, FieldError, Funding, ProjectInput, RawProjectInput};
use serde::Serialize;

/// One importable column: the draft-form field it fills, its header, what it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Column {
    pub field: &'static str,
    pub header: &'static str,
    pub required: bool,
    pub help: &'static str,
    pub example: &'static str,
}

pub const IMPORT_COLUMNS: [Column; 11] = [
    Column {
        field: "name",
        header: "项目名称",
        required: true,
        help: "4–100 个字",
        example: "上城区智慧养老服务平台",
    },
    Column {
        field: "year",
        header: "项目年度",
        required: true,
        help: "四位年份，例如 2027",
        example: "2027",
    },
    Column {
        field: "build_kind",
        header: "建设性质",
        required: true,
        help: "新建、扩建、升级改造、运维 之一",
        example: "新建",
    },
    Column {
        field: "category",
        header: "项目类型",
        required: true,
        help: "业务应用类、网络基础设施类、数据资源类、安全保障类、信息技术外包服务类、运维续费类 之一",
        example: "业务应用类",
    },
    Column {
        field: "it_amount",
        header: "信息化部分投资（元）",
        required: true,
        help: "数字，单位元，最多两位小数，须大于 0（只有信息化部分参加评审）",
        example: "1200000.00",
    },
    Column {
        field: "non_it_amount",
        header: "非信息化部分投资（元）",
        required: false,
        help: "数字，单位元，最多两位小数；没有可留空",
        example: "80000.00",
    },
    Column {
        field: "security_amount",
        header: "网络数据安全预算（元）",
        required: false,
        help: "数字，单位元，最多两位小数；原则上不低于总投资的 5%",
        example: "70000.00",
    },
    Column {
        field: "funding",
        header: "资金来源",
        required: true,
        help: "区级财政资金、上级专项转移支付、社会资金 之一",
        example: "区级财政资金",
    },
    Column {
        field: "responsible_person",
        header: "项目责任人",
        required: true,
        help: "姓名",
        example: "林晓",
    },
    Column {
        field: "participants",
        header: "跨部门参与单位",
        required: false,
        help: "多个单位用顿号、逗号或分号分隔；没有可留空",
        example: "区民政局、区卫生健康局",
    },
    Column {
        field: "summary",
        header: "项目概述",
        required: true,
        help: "至少 10 个字：建设内容、目标和必要性",
        example: "建设全区统一的智慧养老服务平台，整合养老机构和居家养老服务数据，实现服务预约和监管协同。",
    },
];

/// Ledger columns that are not imported (recognised in an exported ledger and ignored).
pub const LEDGER_ONLY_HEADERS: [&str; 10] = [
    "项目编号",
    "项目代码",
    "建设单位",
    "阶段",
    "总投资（元）",
    "立项金额（元）",
    "立项文号",
    "预算金额（元）",
    "更新时间",
    "序号",
];

/// Largest number of rows one workbook may import.
pub const MAX_IMPORT_ROWS: usize = 2000;

/// An error in an imported sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetError {
    /// Row number as Excel shows it (the header is row 1); 0 for the sheet as a whole.
    pub row: usize,
    /// The column header, empty for the sheet as a whole.
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, self.column.is_empty()) {
            (0, _) => write!(f, "{}", self.message),
            (r, true) => write!(f, "第 {r} 行：{}", self.message),
            (r, false) => write!(f, "第 {r} 行「{}」：{}", self.column, self.message),
        }
    }
}

fn sheet_error(message: impl Into<String>) -> SheetError {
    SheetError {
        row: 0,
        column: String::new(),
        message: message.into(),
    }
}

/// Chinese label or code → code, for the three choice columns.
fn choice(field: &str, cell: &str) -> Option<&'static str> {
    let cell = cell.trim();
    match field {
        "build_kind" => BuildKind::ALL
            .into_iter()
            .find(|k| k.label() == cell || k.code() == cell)
            .map(BuildKind::code),
        "category" => Category::ALL
            .into_iter()
            .find(|k| k.label() == cell || k.code() == cell)
            .map(Category::code),
        "funding" => Funding::ALL
            .into_iter()
            .find(|k| k.label() == cell || k.code() == cell)
            .map(Funding::code),
        _ => None,
    }
}

fn normalise_header(h: &str) -> String {
    h.trim()
        .replace('(', "（")
        .replace(')', "）")
        .replace([' ', '\u{3000}'], "")
}

/// Parse a sheet (rows of cell text, the first row the headers) into draft inputs. Any error →
/// every error found, in row order, and no inputs.
pub fn parse_sheet(rows: &[Vec<String>]) -> Result<Vec<ProjectInput>, Vec<SheetError>> {
    parse_sheet_rows(rows).map(|v| v.into_iter().map(|(_, i)| i).collect())
}

/// [`parse_sheet`] with each input's row number as Excel shows it (blank rows are skipped).
pub fn parse_sheet_rows(
    rows: &[Vec<String>],
) -> Result<Vec<(usize, ProjectInput)>, Vec<SheetError>> {
    let Some(header) = rows.first() else {
        return Err(vec![sheet_error(
            "工作表是空的：第 1 行应为表头（请使用系统提供的导入模板）",
        )]);
    };
    // Map each column of the sheet to an import column (or a known ledger-only column).
    let mut col_of: Vec<Option<usize>> = Vec::with_capacity(header.len());
    let mut errors = Vec::new();
    let mut seen = vec![false; IMPORT_COLUMNS.len()];
    for h in header {
        let h = normalise_header(h);
        if h.is_empty() {
            col_of.push(None);
            continue;
        }
        if let Some(i) = IMPORT_COLUMNS.iter().position(|c| c.header == h) {
            if seen[i] {
                errors.push(sheet_error(format!("表头「{h}」重复出现")));
            }
            seen[i] = true;
            col_of.push(Some(i));
        } else if LEDGER_ONLY_HEADERS.contains(&h.as_str()) {
            col_of.push(None);
        } else {
            errors.push(sheet_error(format!(
                "表头「{h}」不是导入模板的列（请使用系统提供的导入模板，不要修改表头）"
            )));
            col_of.push(None);
        }
    }
    let missing: Vec<&str> = IMPORT_COLUMNS
        .iter()
        .zip(&seen)
        .filter(|(c, s)| c.required && !**s)
        .map(|(c, _)| c.header)
        .collect();
    if !missing.is_empty() {
        errors.push(sheet_error(format!(
            "缺少必填列：{}（请使用系统提供的导入模板，不要修改表头）",
            missing.join("、")
        )));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let data: Vec<(usize, &Vec<String>)> = rows
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| (i + 1, r))
        .collect();
    if data.is_empty() {
        return Err(vec![sheet_error(
            "没有数据行：请从第 2 行起每行填写一个项目",
        )]);
    }
    if data.len() > MAX_IMPORT_ROWS {
        return Err(vec![sheet_error(format!(
            "一次最多导入 {MAX_IMPORT_ROWS} 行，本文件有 {} 行",
            data.len()
        ))]);
    }
    let mut out = Vec::with_capacity(data.len());
    for (row_no, row) in data {
        let mut values: Vec<String> = vec![String::new(); IMPORT_COLUMNS.len()];
        for (j, cell) in row.iter().enumerate() {
            if let Some(Some(i)) = col_of.get(j) {
                values[*i] = cell.trim().to_string();
            }
        }
        let mut row_errors = Vec::new();
        let mut get = |field: &str| -> String {
            let i = IMPORT_COLUMNS
                .iter()
                .position(|c| c.field == field)
                .unwrap_or(0);
            let v = values[i].clone();
            if matches!(field, "build_kind" | "category" | "funding") && !v.is_empty() {
                match choice(field, &v) {
                    Some(code) => return code.to_string(),
                    None => row_errors.push(SheetError {
                        row: row_no,
                        column: IMPORT_COLUMNS[i].header.into(),
                        message: format!("「{v}」不是可选值，应为：{}", IMPORT_COLUMNS[i].help),
                    }),
                }
                return String::new();
            }
            v
        };
        let raw = RawProjectInput {
            name: get("name"),
            year: get("year"),
            build_kind: get("build_kind"),
            category: get("category"),
            it_amount: get("it_amount"),
            non_it_amount: get("non_it_amount"),
            security_amount: get("security_amount"),
            funding: get("funding"),
            summary: get("summary"),
            participants: get("participants"),
            responsible_person: get("responsible_person"),
            ..Default::default()
        };
        match ProjectInput::parse(&raw) {
            Ok(input) if row_errors.is_empty() => out.push((row_no, input)),
            Ok(_) => errors.extend(row_errors),
            Err(field_errors) => {
                let it_bad = field_errors.iter().any(|e| e.field == "it_amount");
                for FieldError { field, message } in field_errors {
                    let col = IMPORT_COLUMNS.iter().find(|c| c.field == field);
                    let header = col.map(|c| c.header).unwrap_or("");
                    // One error per cell (the first is the cause: a choice column reported
                    // above, or an unreadable amount rather than its zero), and no comparison
                    // with an amount that could not be read.
                    if row_errors.iter().any(|e| e.column == header)
                        || (field == "security_amount" && it_bad)
                    {
                        continue;
                    }
                    row_errors.push(SheetError {
                        row: row_no,
                        column: header.into(),
                        message: if matches!(field.as_str(), "year")
                            || message.starts_with("请选择")
                        {
                            format!("{message}（{}）", col.map(|c| c.help).unwrap_or(""))
                        } else {
                            message
                        },
                    });
                }
                errors.extend(row_errors);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A spreadsheet cell's number as the text a form would carry: integers without a point, other
/// values in the shortest form that reads back as the same number. An amount typed with two
/// decimals (below 10¹³ yuan) reads back exactly, so money never passes through a rounding step
/// here; `Yuan::parse` then refuses anything finer than a fen.
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
