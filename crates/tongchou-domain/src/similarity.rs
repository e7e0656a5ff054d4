//! 重复建设比对 duplicate-construction detection: the terms of a text, and how a candidate's
//! similarity is scored.
//!
//! A new declaration that resembles a listed application, a ledger item or an existing project
//! is flagged before review (ZJ-share 四 "不得重复建设"; Shangcheng 第一章、第三章; Quzhou 二(二)7;
//! SPEC S9, A7). Chinese has no spaces, and character n-grams alone miss terms like "一网通办":
//! texts are segmented with jieba (search mode, so "智慧教育" also yields "智慧" and "教育"),
//! with the e-government vocabulary of the seeds added to its dictionary.
//!
//! Scoring (pure, so the store only fetches numbers): each query term weighs its inverse
//! document frequency; a candidate's score is the weighted share of the query's terms it contains
//! (coverage) blended with the Dice overlap of the two term sets, so a long document does not win
//! by containing everything. Terms in more than [`COMMON_SHARE`] of the documents carry almost
//! nothing and are not looked up.
use jieba_rs::Jieba;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Words of Zhejiang e-government that jieba's general dictionary splits apart.
pub const DOMAIN_WORDS: &[&str] = &[
    "一网通办",
    "一网统管",
    "一件事",
    "一张图",
    "一本账",
    "浙里办",
    "浙政钉",
    "浙里康养",
    "最多跑一次",
    "城市大脑",
    "数字孪生",
    "驾驶舱",
    "电子证照",
    "电子印章",
    "政务云",
    "视频会议",
    "大屏",
    "信创",
    "等保",
    "密评",
    "学籍",
    "入学",
    "家庭医生",
    "慢病",
    "院前急救",
    "急救调度",
    "居家养老",
    "社会救助",
    "低保",
    "特困",
    "婚姻登记",
    "垃圾分类",
    "户外广告",
    "食品安全",
    "阳光厨房",
    "特种设备",
    "信用监管",
    "双随机",
    "基层治理",
    "网格化",
    "物联感知",
    "预警",
    "综合执法",
    "掌上执法",
    "数据共享",
    "公共数据",
    "数据归集",
    "统一身份认证",
];

/// Words that say nothing about what a system does: function words, the generic nouns of every
/// declaration, and place names (which would make every project of a district alike).
const STOP: &[&str] = &[
    "的",
    "和",
    "与",
    "及",
    "以及",
    "等",
    "对",
    "在",
    "为",
    "了",
    "并",
    "或",
    "将",
    "由",
    "于",
    "是",
    "实现",
    "建设",
    "项目",
    "系统",
    "平台",
    "应用",
    "功能",
    "模块",
    "提升",
    "推进",
    "开展",
    "全区",
    "全市",
    "全省",
    "我区",
    "我市",
    "上城",
    "上城区",
    "杭州",
    "杭州市",
    "浙江",
    "浙江省",
    "区级",
    "市级",
    "省级",
    "一期",
    "二期",
    "三期",
    "升级",
    "改造",
    "新建",
    "扩容",
    "年度",
    "工程",
];

/// A term held by more than this share of the documents is not looked up.
pub const COMMON_SHARE: f64 = 0.05;
/// At most this many of the query's rarest terms are looked up.
pub const MAX_QUERY_TERMS: usize = 16;
/// Name terms count this many times (a name says more than a summary sentence).
pub const NAME_WEIGHT: u32 = 2;

fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(|| {
        let mut j = Jieba::new();
        for w in DOMAIN_WORDS {
            j.add_word(w, Some(100_000), None);
        }
        j
    })
}

fn keep(term: &str) -> bool {
    let n = term.chars().count();
    if n == 0 || STOP.contains(&term) {
        return false;
    }
    let cjk = term.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if cjk {
        n >= 2
    } else {
        n >= 2
            && term.chars().any(|c| c.is_alphanumeric())
            && !term.chars().all(|c| c.is_ascii_digit())
    }
}

/// The distinct terms of a text, in order of first appearance.
pub fn segment(text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for t in jieba().cut_for_search(text, true) {
        let w = t.word.trim().to_lowercase();
        if keep(&w) && !seen.contains(&w) {
            seen.push(w);
        }
    }
    seen
}

/// The term vector of a document: term → frequency, name terms counted [`NAME_WEIGHT`] times.
pub fn terms(name: &str, summary: &str) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for (text, w) in [(name, NAME_WEIGHT), (summary, 1)] {
        for t in jieba().cut_for_search(text, true) {
            let t = t.word.trim().to_lowercase();
            if keep(&t) {
                *out.entry(t).or_insert(0) += w;
            }
        }
    }
    out
}

/// Inverse document frequency as an integer weight (thousandths), so that the database can
/// sum it exactly on both backends.
pub fn weight(docs: i64, df: i64) -> i64 {
    let n = docs.max(1) as f64;
    let df = df.clamp(0, docs.max(1)) as f64;
    (((n + 1.0) / (df + 1.0)).ln() * 1000.0).round().max(1.0) as i64
}

/// What a query looks up and what it weighs in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlan {
    /// The terms held by some document, with their weights, the rarest first.
    pub lookup: Vec<(String, i64)>,
    /// The weight of every counted query term, found in the corpus or not: a term no document
    /// holds is evidence that the text is about something else.
    pub total_weight: i64,
    /// How many query terms count.
    pub terms: usize,
}

/// The query terms to look up with their weights: the rarest first, common terms dropped while
/// rarer ones remain.
pub fn query_plan(
    query: &BTreeMap<String, u32>,
    docs: i64,
    df: &BTreeMap<String, i64>,
) -> QueryPlan {
    let mut ws: Vec<(String, i64, i64)> = query
        .keys()
        .map(|t| {
            let d = df.get(t).copied().unwrap_or(0);
            (t.clone(), weight(docs, d), d)
        })
        .collect();
    ws.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let limit = (docs as f64 * COMMON_SHARE).max(50.0) as i64;
    let rare: Vec<_> = ws.iter().filter(|(_, _, d)| *d <= limit).cloned().collect();
    let counted = if rare.is_empty() { ws } else { rare };
    let total_weight = counted.iter().map(|(_, w, _)| w).sum();
    let terms = counted.len();
    QueryPlan {
        lookup: counted
            .into_iter()
            .filter(|(_, _, d)| *d > 0)
            .take(MAX_QUERY_TERMS)
            .map(|(t, w, _)| (t, w))
            .collect(),
        total_weight,
        terms,
    }
}

/// How alike a candidate is, 0–100: 70% the weighted share of the query's looked-up terms it
/// holds, 30% the Dice overlap of the two term sets.
pub fn score(
    matched_weight: i64,
    query_weight: i64,
    matched_terms: usize,
    query_terms: usize,
    doc_terms: usize,
) -> u32 {
    if query_weight <= 0 || query_terms + doc_terms == 0 {
        return 0;
    }
    let coverage = matched_weight as f64 / query_weight as f64;
    let dice = 2.0 * matched_terms as f64 / (query_terms + doc_terms) as f64;
    ((0.7 * coverage + 0.3 * dice) * 100.0)
        .round()
        .clamp(0.0, 100.0) as u32
}

/// At or above this score a candidate is shown as a likely duplicate (重复建设嫌疑).
pub const LIKELY_DUPLICATE: u32 = 45;

/// One similar item found for a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Similar {
    /// `project`, `application` (a registered application), `listing` (an application listed in
    /// the market), `ledger` (a 一本账 entry) or `library` (a library item).
    pub kind: String,
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_name: String,
    pub year: i32,
    pub stage_label: String,
    /// 0–100.
    pub score: u32,
    /// The query's terms it holds, the weightiest first.
    pub matched: Vec<String>,
}

impl Similar {
    pub fn likely_duplicate(&self) -> bool {
        self.score >= LIKELY_DUPLICATE
    }

    /// What kind of record it is, in the regulations' terms.
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "application" | "listing" => "应用",
            "ledger" => "一本账",
            "library" => "项目库",
            _ => "项目",
        }
    }

    /// The page of the record.
    pub fn href(&self) -> String {
        let base = match self.kind.as_str() {
            "application" => "/applications",
            "listing" => "/market",
            "ledger" => "/ledger",
            "library" => "/library",
            _ => "/projects",
        };
        format!("{base}/{}", self.id)
    }
}

/// Split a text into (piece, is_match) runs, marking every occurrence of the matched terms, for
/// highlighting on a page (the template escapes each piece).
pub fn highlight(text: &str, matched: &[String]) -> Vec<(String, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    let mut mark = vec![false; chars.len()];
    if lower.len() == chars.len() {
        for m in matched {
            let m: Vec<char> = m.chars().collect();
            if m.is_empty() || m.len() > lower.len() {
                continue;
            }
            for i in 0..=lower.len() - m.len() {
                if lower[i..i + m.len()] == m[..] {
                    mark[i..i + m.len()].iter_mut().for_each(|x| *x = true);
                }
            }
        }
    }
    let mut out: Vec<(String, bool)> = Vec::new();
    for (c, m) in chars.into_iter().zip(mark) {
        match out.last_mut() {
            Some((s, lm)) if *lm == m => s.push(c),
            _ => out.push((c.to_string(), m)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // ZJ-share 四: "一网通办" is one term, not 一/网/通/办
    #[test]
    fn segment_keeps_e_government_terms_whole() {
        let t = segment("建设一网通办掌上办事入口，接入浙里办");
        assert!(t.contains(&"一网通办".to_string()), "{t:?}");
        assert!(t.contains(&"浙里办".to_string()), "{t:?}");
        assert!(
            !t.contains(&"建设".to_string()),
            "stop words dropped: {t:?}"
        );
    }

    #[test]
    fn place_names_do_not_make_projects_alike() {
        let t = terms("上城区垃圾分类全链条监管平台", "");
        assert!(
            !t.contains_key("上城区") && !t.contains_key("上城"),
            "{t:?}"
        );
        assert!(t.contains_key("垃圾分类"), "{t:?}");
    }

    #[test]
    fn rare_terms_weigh_more_and_common_terms_are_not_looked_up() {
        assert!(weight(100_000, 3) > weight(100_000, 3_000));
        let q: BTreeMap<String, u32> =
            [("垃圾分类".to_string(), 2), ("监管".to_string(), 1)].into();
        let df: BTreeMap<String, i64> =
            [("垃圾分类".to_string(), 40), ("监管".to_string(), 30_000)].into();
        let w = query_plan(&q, 100_000, &df);
        assert_eq!(w.lookup.len(), 1, "{w:?}");
        assert_eq!(w.lookup[0].0, "垃圾分类");
        assert_eq!(w.terms, 1, "the common term does not count");
    }

    #[test]
    fn one_shared_generic_word_is_not_a_duplicate() {
        // "网上" is rare in the corpus, but the query's other words are in no document at all:
        // they count against the match.
        let q = terms(
            "法律援助申请系统",
            "法律援助网上申请、经济困难审查和指派律师。",
        );
        let df: BTreeMap<String, i64> = [("网上".to_string(), 3)].into();
        let plan = query_plan(&q, 100_000, &df);
        assert_eq!(plan.lookup.len(), 1);
        let w = plan.lookup[0].1;
        let s = score(w, plan.total_weight, 1, plan.terms, 8);
        assert!(s < LIKELY_DUPLICATE, "{s}");
    }

    #[test]
    fn score_is_full_for_the_same_terms_and_zero_for_none() {
        assert_eq!(score(500, 500, 4, 4, 4), 100);
        assert_eq!(score(0, 500, 0, 4, 6), 0);
        assert!(
            score(250, 500, 2, 4, 40) < score(250, 500, 2, 4, 4),
            "long documents do not win by size"
        );
    }

    #[test]
    fn highlight_marks_each_occurrence() {
        let h = highlight("食品安全智慧监管", &["食品安全".into(), "监管".into()]);
        assert_eq!(
            h,
            vec![
                ("食品安全".into(), true),
                ("智慧".into(), false),
                ("监管".into(), true)
            ]
        );
    }
}
