//! Who may see what (SPEC §1). Every read goes through [`can_view`] (one project) or
//! [`ListScope`] (lists, turned into SQL by the store); the two say the same thing.
//! Who may *do* what is decided with each command in [`crate::lifecycle::decide`].
use crate::project::Project;
use crate::{Actor, Role, Stage, UnitId, UserId};

/// Roles of the reviewing and supervising departments: they see every declared project in their
/// jurisdiction (and below).
pub const DEPARTMENT_ROLES: [Role; 9] = [
    Role::Authority,
    Role::Finance,
    Role::Drc,
    Role::Cyber,
    Role::Xinchuang,
    Role::LeadingGroup,
    Role::ReviewCentre,
    Role::BusinessEnv,
    Role::Oversight,
];

/// Whether the actor may choose the profile of the jurisdiction at this path (SPEC §3): an
/// administrator whose jurisdiction covers it.
pub fn can_choose_profile(actor: &Actor, jurisdiction_path: &str) -> bool {
    actor.has(Role::Admin) && actor.covers(jurisdiction_path)
}

/// Whether the actor may edit a profile used by the jurisdictions at these paths (their own
/// choice, not inherited): an administrator covering every one of them. A profile nobody uses
/// yet is edited from the top (a province administrator).
pub fn can_edit_profile(actor: &Actor, used_by: &[&str]) -> bool {
    if !actor.has(Role::Admin) {
        return false;
    }
    if used_by.is_empty() {
        return path_ids(&actor.jurisdiction_path).len() <= 1;
    }
    used_by.iter().all(|p| actor.covers(p))
}

/// Whether the actor may see the project. `on_panel`: the actor sits on one of its panels.
pub fn can_view(actor: &Actor, p: &Project, on_panel: bool) -> bool {
    (actor.has(Role::Expert) && on_panel)
        || can_view_parts(
            actor,
            p.unit_id,
            &p.jurisdiction_path,
            p.declared_at.is_some(),
            p.stage,
        )
}

/// [`can_view`] from the few columns it reads (for lists that do not load whole projects),
/// panels aside.
pub fn can_view_parts(
    actor: &Actor,
    unit: UnitId,
    jurisdiction_path: &str,
    declared: bool,
    stage: Stage,
) -> bool {
    let covered = actor.covers(jurisdiction_path);
    if actor.unit_id == unit && actor.has(Role::Unit) {
        return true;
    }
    if covered && (actor.has(Role::Audit) || actor.has(Role::Admin)) {
        return true;
    }
    if covered && DEPARTMENT_ROLES.iter().any(|r| actor.has(*r)) && declared {
        return true;
    }
    // [product] approved projects are public within the jurisdiction (P6); a unit never sees
    // another unit's draft or declaration.
    covered && actor.has(Role::Unit) && stage.is_approved_or_later()
}

/// What a list may contain for this actor: the union of these sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListScope {
    /// Projects of this unit, any stage.
    pub own_unit: Option<UnitId>,
    /// The actor's jurisdiction and its depth in the tree (1 province, 2 city, 3 district):
    /// the sets below apply to it and everything beneath it.
    pub jurisdiction: crate::JurisdictionId,
    pub jurisdiction_depth: usize,
    /// Every project in the jurisdiction, drafts included (audit, admin).
    pub everything: bool,
    /// Every declared project in the jurisdiction (departments).
    pub declared: bool,
    /// Approved-or-later projects in the jurisdiction (other units).
    pub approved: bool,
    /// Projects of panels this expert sits on.
    pub panels_of: Option<UserId>,
}

pub fn list_scope(actor: &Actor) -> ListScope {
    ListScope {
        own_unit: if actor.has(Role::Unit) {
            Some(actor.unit_id)
        } else {
            None
        },
        jurisdiction: actor.jurisdiction_id,
        jurisdiction_depth: path_ids(&actor.jurisdiction_path).len(),
        everything: actor.has(Role::Audit) || actor.has(Role::Admin),
        declared: DEPARTMENT_ROLES.iter().any(|r| actor.has(*r)),
        approved: actor.has(Role::Unit),
        panels_of: if actor.has(Role::Expert) {
            Some(actor.user_id)
        } else {
            None
        },
    }
}

/// Where the actor may have something to do (for "我的待办"): own unit's projects, the
/// jurisdiction's declared projects for departments, panels for experts — never other units'
/// approved projects, which a unit only reads.
pub fn todo_scope(actor: &Actor) -> ListScope {
    ListScope {
        approved: false,
        everything: false,
        ..list_scope(actor)
    }
}

/// Stages counted as "approved or later" (for list SQL).
pub fn approved_stages() -> Vec<Stage> {
    Stage::ALL
        .into_iter()
        .filter(|s| s.is_approved_or_later())
        .collect()
}

/// Read-only roles never change anything.
pub fn is_read_only(actor: &Actor) -> bool {
    actor.roles.iter().all(|r| matches!(r, Role::Audit))
}

/// The jurisdiction ids along a path `/1/2/3/`, from the province down.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// Who may add or correct working-day calendar entries (a national schedule: administrators).
pub fn can_edit_calendar(actor: &Actor) -> bool {
    actor.has(Role::Admin)
}

/// Who may import a year's declarations as drafts of their unit (the unit's clerk, as for a draft).
pub fn can_import_declarations(actor: &Actor) -> bool {
    actor.has(Role::Unit)
}

/// Who maintains the population table, the approved cloud-provider list and the money settings.
pub fn can_edit_money_settings(actor: &Actor) -> bool {
    actor.has(Role::Admin)
}

/// Who records a cloud purchase (for their own unit).
pub fn can_record_cloud_purchase(actor: &Actor) -> bool {
    actor.has(Role::Unit)
}

/// Who sees the cloud purchases of every unit in the jurisdiction (others see their unit's).
pub fn can_view_all_cloud_purchases(actor: &Actor) -> bool {
    [Role::Finance, Role::Authority, Role::Audit, Role::Admin]
        .iter()
        .any(|r| actor.has(*r))
}

/// 需求库、一本账、项目库、应用 (SPEC §2.1 D1–D5): who sees and does what there is decided in
/// [`crate::demand`] beside the commands; re-exported here so every permission is found in one
/// place.
pub use crate::demand::{
    can_create_application, can_maintain_application, can_submit_need, can_view_item,
    can_view_ledger, can_view_need, is_provincial_authority,
};
#[cfg(test)]
mod tests {
    use super::*;
    use crate::{JurisdictionId, UserId};

    fn admin_at(path: &str) -> Actor {
        Actor {
            user_id: UserId(1),
            name: "管理员".into(),
            unit_id: UnitId(1),
            unit_name: "数据局".into(),
            jurisdiction_id: JurisdictionId(9),
            jurisdiction_path: path.into(),
            roles: vec![Role::Admin],
        }
    }

    #[test]
    fn only_an_administrator_covering_the_jurisdiction_chooses_or_edits_its_profile() {
        // SPEC §3 (a jurisdiction picks a profile; its administrator edits it) [product]
        let shaoxing_admin = admin_at("/1/4/");
        assert!(can_choose_profile(&shaoxing_admin, "/1/4/"));
        assert!(
            can_choose_profile(&shaoxing_admin, "/1/4/5/"),
            "a district below"
        );
        assert!(
            !can_choose_profile(&shaoxing_admin, "/1/2/3/"),
            "another city's district"
        );
        assert!(
            !can_choose_profile(&shaoxing_admin, "/1/"),
            "the province above"
        );
        let mut clerk = admin_at("/1/4/");
        clerk.roles = vec![Role::Authority];
        assert!(!can_choose_profile(&clerk, "/1/4/"), "not an administrator");

        assert!(can_edit_profile(&shaoxing_admin, &["/1/4/"]));
        assert!(
            !can_edit_profile(&shaoxing_admin, &["/1/4/", "/1/2/3/"]),
            "a profile another jurisdiction uses too"
        );
        assert!(
            !can_edit_profile(&shaoxing_admin, &[]),
            "unused: the province's"
        );
        assert!(can_edit_profile(&admin_at("/1/"), &[]));
        assert!(!can_edit_profile(&clerk, &["/1/4/"]));
    }
}
