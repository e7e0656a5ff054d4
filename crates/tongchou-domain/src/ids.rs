//! Id newtypes: a `ProjectId` is never mistaken for a `UserId`.
use serde::{Deserialize, Serialize};

macro_rules! id {
    ($($(#[$m:meta])* $name:ident),*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) }
        }
    )*};
}

id!(
    /// 项目 project
    ProjectId,
    /// 单位 unit
    UnitId,
    /// 用户 account
    UserId,
    /// 行政区划 jurisdiction
    JurisdictionId,
    /// 专家组 panel
    PanelId,
    /// 附件 attachment
    AttachmentId
);
