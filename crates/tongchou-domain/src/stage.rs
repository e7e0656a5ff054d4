//! The stages of a fiscal project's life (SPEC §2, Shangcheng as the reference profile).
use serde::{Deserialize, Serialize};

/// 项目阶段 stage
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 草稿
    Draft,
    /// 合规性审查 (declared, waiting for the compliance review)
    ComplianceReview,
    /// 退回修改 (compliance review failed; the unit revises and may ask once for re-review)
    Returned,
    /// 项目初审
    PreliminaryReview,
    /// 专家评审
    ExpertReview,
    /// 复核审查
    ReExamination,
    /// 立项审议 (joint meeting)
    ApprovalMeeting,
    /// 已立项
    Approved,
    /// 已安排预算
    Budgeted,
    /// 采购中
    Procurement,
    /// 建设实施
    InConstruction,
    /// 试运行
    TrialRun,
    /// 验收申请 (the data bureau reviews the application)
    AcceptanceApplied,
    /// 验收中
    Accepting,
    /// 验收整改
    Rectifying,
    /// 运行中
    InOperation,
    /// 已结束 (a declaration ended, or the project terminated)
    Ended,
}

impl Stage {
    pub const ALL: [Stage; 17] = [
        Stage::Draft,
        Stage::ComplianceReview,
        Stage::Returned,
        Stage::PreliminaryReview,
        Stage::ExpertReview,
        Stage::ReExamination,
        Stage::ApprovalMeeting,
        Stage::Approved,
        Stage::Budgeted,
        Stage::Procurement,
        Stage::InConstruction,
        Stage::TrialRun,
        Stage::AcceptanceApplied,
        Stage::Accepting,
        Stage::Rectifying,
        Stage::InOperation,
        Stage::Ended,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Draft => "draft",
            Stage::ComplianceReview => "compliance_review",
            Stage::Returned => "returned",
            Stage::PreliminaryReview => "preliminary_review",
            Stage::ExpertReview => "expert_review",
            Stage::ReExamination => "re_examination",
            Stage::ApprovalMeeting => "approval_meeting",
            Stage::Approved => "approved",
            Stage::Budgeted => "budgeted",
            Stage::Procurement => "procurement",
            Stage::InConstruction => "in_construction",
            Stage::TrialRun => "trial_run",
            Stage::AcceptanceApplied => "acceptance_applied",
            Stage::Accepting => "accepting",
            Stage::Rectifying => "rectifying",
            Stage::InOperation => "in_operation",
            Stage::Ended => "ended",
        }
    }

    pub fn parse(code: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese name shown everywhere the same.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Draft => "草稿",
            Stage::ComplianceReview => "合规性审查",
            Stage::Returned => "退回修改",
            Stage::PreliminaryReview => "项目初审",
            Stage::ExpertReview => "专家评审",
            Stage::ReExamination => "复核审查",
            Stage::ApprovalMeeting => "立项审议",
            Stage::Approved => "已立项",
            Stage::Budgeted => "已安排预算",
            Stage::Procurement => "采购中",
            Stage::InConstruction => "建设实施",
            Stage::TrialRun => "试运行",
            Stage::AcceptanceApplied => "验收申请",
            Stage::Accepting => "验收中",
            Stage::Rectifying => "验收整改",
            Stage::InOperation => "运行中",
            Stage::Ended => "已结束",
        }
    }

    /// The phase, for the coloured tag: declaration, review, implementation, acceptance, operation, ended.
    pub fn phase(self) -> &'static str {
        match self {
            Stage::Draft | Stage::Returned => "draft",
            Stage::ComplianceReview
            | Stage::PreliminaryReview
            | Stage::ExpertReview
            | Stage::ReExamination
            | Stage::ApprovalMeeting => "review",
            Stage::Approved | Stage::Budgeted | Stage::Procurement | Stage::InConstruction => {
                "build"
            }
            Stage::TrialRun | Stage::AcceptanceApplied | Stage::Accepting | Stage::Rectifying => {
                "accept"
            }
            Stage::InOperation => "run",
            Stage::Ended => "ended",
        }
    }

    /// Declared: visible to the reviewing departments (everything but a draft).
    pub fn is_declared(self) -> bool {
        self != Stage::Draft
    }

    /// Approved (立项) or later, and not ended before approval.
    pub fn is_approved_or_later(self) -> bool {
        matches!(
            self,
            Stage::Approved
                | Stage::Budgeted
                | Stage::Procurement
                | Stage::InConstruction
                | Stage::TrialRun
                | Stage::AcceptanceApplied
                | Stage::Accepting
                | Stage::Rectifying
                | Stage::InOperation
        )
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}
