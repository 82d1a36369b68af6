//! The checks a definition must pass to load: every reference resolves, every step is
//! reachable and can end, roles are declared, CEL conditions compile and type-check, limits
//! are positive, merges name baseline steps. Each problem carries the field path it is about.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use super::APPLICANT_ROLE;
use super::expr::Condition;
use super::model::{
    ClockAnchor, EffectSpec, OutputType, Recipient, ServiceSpec, StepKind, StepSpec, TimeoutAction, TimerDue,
};
use crate::limit::{Limit, Unit};

/// The result of checking: problems, or the compiled pieces.
#[derive(Default)]
pub(super) struct Checked {
    pub problems: Vec<(String, String)>,
    pub branches: HashMap<(String, usize), Condition>,
    pub required_when: HashMap<String, Condition>,
    pub in_branch: HashMap<String, String>,
}

struct Checker<'a> {
    spec: &'a ServiceSpec,
    out: Checked,
    ids: HashMap<&'a str, usize>,
    outputs: BTreeMap<String, OutputType>,
}

pub(super) fn check(spec: &ServiceSpec) -> Checked {
    let outputs = spec
        .steps
        .iter()
        .filter_map(|s| if let StepKind::Task(t) = &s.kind { Some(t.outputs.clone()) } else { None })
        .flatten()
        .collect();
    let mut c = Checker { spec, out: Checked::default(), ids: HashMap::new(), outputs };
    c.metadata();
    c.roles();
    c.materials();
    c.steps();
    if c.out.problems.is_empty() {
        c.graph();
    }
    c.out
}

impl<'a> Checker<'a> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.out.problems.push((path.into(), message.into()));
    }

    fn limit(&mut self, path: &str, limit: &Limit) {
        if limit.amount == 0 {
            self.problem(format!("{path}.amount"), "a limit must be positive");
        }
    }

    fn form_field(&mut self, path: &str, field: &str) {
        let form = &self.spec.form;
        let declared = form.get("properties").and_then(|p| p.get(field)).is_some();
        let required = form
            .get("required")
            .and_then(|r| r.as_array())
            .is_some_and(|r| r.iter().any(|f| f.as_str() == Some(field)));
        if !declared || !required {
            self.problem(path, format!("form field `{field}` must be declared in form.properties and form.required"));
        }
    }

    fn role(&mut self, path: &str, role: &str) {
        if role != APPLICANT_ROLE && !self.spec.roles.iter().any(|r| r.code == role) {
            self.problem(path, format!("role `{role}` is not declared in roles"));
        }
    }

    fn condition(&mut self, path: &str, source: &str) -> Option<Condition> {
        let checked = Condition::compile(source).and_then(|c| c.check(&self.spec.form, &self.outputs).map(|()| c));
        checked.map_err(|e| self.problem(path, e)).ok()
    }

    fn metadata(&mut self) {
        let spec = self.spec;
        self.limit("limits.legal", &spec.limits.legal);
        self.limit("limits.promised", &spec.limits.promised);
        if spec.form.get("type").and_then(|t| t.as_str()) != Some("object") {
            self.problem("form", "the form must be a JSON Schema with `type: object`");
        }
        self.form_field("office_field", &spec.office_field);
        if !(1..=100).contains(&spec.sla.warn_at_percent) {
            self.problem("sla.warn_at_percent", "must be between 1 and 100");
        }
        if spec.clock_anchor == ClockAnchor::BatchClose && spec.batches.is_empty() {
            self.problem("batches", "clock_anchor batch_close needs at least one batch window");
        }
        for (i, b) in spec.batches.iter().enumerate() {
            for (field, md) in [("opens", &b.opens), ("closes", &b.closes)] {
                if crate::case::batch::parse_month_day(md).is_none() {
                    self.problem(format!("batches[{i}].{field}"), format!("`{md}` is not a month-day MM-DD"));
                }
            }
        }
        if let Some(ext) = &spec.extension {
            self.limit("extension.max", &ext.max);
            let legal = spec.limits.legal.unit;
            let fits = ext.max.unit == legal || (legal == Unit::Months && ext.max.unit == Unit::CalendarDays);
            if !fits {
                self.problem("extension.max.unit", "must be the legal limit's unit (calendar_days for months)");
            }
        }
        for (i, t) in spec.timers.iter().enumerate() {
            match &t.due {
                TimerDue::AfterApproval(l) => self.limit(&format!("timers[{i}].due.after_approval"), l),
                TimerDue::AtFormDate(f) => self.form_field(&format!("timers[{i}].due.at_form_date"), f),
            }
        }
    }

    fn roles(&mut self) {
        let spec = self.spec;
        let mut seen = HashSet::new();
        for (i, r) in spec.roles.iter().enumerate() {
            if !seen.insert(&r.code) || r.code == APPLICANT_ROLE {
                self.problem(format!("roles[{i}].code"), format!("role `{}` declared twice or reserved", r.code));
            }
        }
        self.role("intake_role", &spec.intake_role);
        if let Some(role) = &spec.sla.follow_up_role {
            self.role("sla.follow_up_role", role);
        }
        if let Some(ext) = &spec.extension {
            self.role("extension.role", &ext.role);
        }
        if let Some(c) = &spec.commitment {
            self.role("commitment.role", &c.role);
            self.limit("commitment.limit", &c.limit);
        }
        if let Some(p) = &spec.pre_review {
            if let Some(role) = &p.role {
                self.role("pre_review.role", role);
            }
            self.limit("pre_review.limit", &p.limit);
        }
        if let Some(b) = &spec.booking {
            self.role("booking.role", &b.role);
            if spec.max_visits == 0 {
                self.problem("booking", "a service that books a visit allows at least one (max_visits)");
            }
        }
        for (i, p) in spec.special_procedures.iter().enumerate() {
            for (j, r) in p.roles.iter().enumerate() {
                self.role(&format!("special_procedures[{i}].roles[{j}]"), r);
            }
        }
    }

    fn materials(&mut self) {
        let spec = self.spec;
        let mut codes = HashSet::new();
        for (i, m) in spec.materials.iter().enumerate() {
            let path = format!("materials[{i}]");
            let leaves = m.any_of.iter().flat_map(|a| a.all_of.iter().map(|d| &d.code));
            for code in std::iter::once(&m.code).chain(leaves) {
                if !codes.insert(code.clone()) && code != &m.code {
                    self.problem(&path, format!("material code `{code}` is used twice"));
                }
            }
            if m.any_of.iter().any(|a| a.all_of.is_empty()) {
                self.problem(format!("{path}.any_of"), "an alternative needs at least one document");
            }
            if let Some(source) = &m.required_when
                && let Some(c) = self.condition(&format!("{path}.required_when"), source)
            {
                self.out.required_when.insert(m.code.clone(), c);
            }
            if m.commitment.is_some() && spec.commitment.is_none() {
                self.problem(
                    format!("{path}.commitment"),
                    "a commitment needs the service's `commitment` rule (who verifies, within what time)",
                );
            }
            if let Some(d) = &m.deferrable {
                self.limit(&format!("{path}.deferrable.within"), &d.within);
                let promised = spec.limits.promised;
                if d.within.unit != promised.unit || d.within.amount > promised.amount {
                    self.problem(
                        format!("{path}.deferrable.within"),
                        format!("容缺 deadline may not exceed the promised limit ({promised})"),
                    );
                }
            }
        }
    }

    fn steps(&mut self) {
        let spec = self.spec;
        if spec.steps.is_empty() {
            self.problem("steps", "a service needs at least one step");
        }
        for (i, step) in spec.steps.iter().enumerate() {
            if self.ids.insert(step.id.as_str(), i).is_some() {
                self.problem(format!("steps[{i}].id"), format!("step id `{}` is used twice", step.id));
            }
        }
        let baseline: HashSet<&str> =
            spec.baseline.iter().flat_map(|b| b.steps.iter().map(|s| s.id.as_str())).collect();
        for (i, step) in spec.steps.iter().enumerate() {
            let path = format!("steps[{i}]");
            for (j, m) in step.merges.iter().enumerate() {
                if !baseline.contains(m.as_str()) {
                    self.problem(format!("{path}.merges[{j}]"), format!("merged step `{m}` is not a baseline step"));
                }
            }
            for (field, target) in targets(step) {
                if !self.ids.contains_key(target) {
                    self.problem(format!("{path}.{field}"), format!("step `{target}` does not exist"));
                }
            }
            self.step_kind(&path, step);
        }
    }

    fn step_kind(&mut self, path: &str, step: &'a StepSpec) {
        match &step.kind {
            StepKind::Task(t) => {
                self.role(&format!("{path}.role"), &t.role);
                if let Some(l) = &t.limit {
                    self.limit(&format!("{path}.limit"), l);
                }
                if let Some(f) = &t.office_field {
                    self.form_field(&format!("{path}.office_field"), f);
                }
                if t.actions.is_empty() {
                    self.problem(format!("{path}.actions"), "a task needs at least one action");
                }
                let needs = match &t.on_timeout {
                    Some(TimeoutAction::AutoApprove) => Some("approve"),
                    Some(TimeoutAction::AutoRefuse) => Some("refuse"),
                    Some(TimeoutAction::Escalate { to_role }) => {
                        self.role(&format!("{path}.on_timeout.to_role"), to_role);
                        None
                    }
                    _ => None,
                };
                if let Some(action) = needs.filter(|a| !t.actions.iter().any(|x| x.action == *a)) {
                    self.problem(format!("{path}.on_timeout"), format!("needs an action `{action}` on the step"));
                }
                if t.on_timeout.is_some() && t.limit.is_none() {
                    self.problem(format!("{path}.on_timeout"), "on_timeout needs a step limit");
                }
            }
            StepKind::Decision(d) => {
                for (j, b) in d.branches.iter().enumerate() {
                    if let Some(c) = self.condition(&format!("{path}.branches[{j}].when"), &b.when) {
                        self.out.branches.insert((step.id.clone(), j), c);
                    }
                }
            }
            StepKind::Parallel(p) => {
                let join_ok = self
                    .ids
                    .get(p.join.as_str())
                    .is_some_and(|&j| matches!(self.spec.steps[j].kind, StepKind::Join(_)));
                if !join_ok {
                    self.problem(format!("{path}.join"), format!("`{}` is not a join step", p.join));
                }
                if p.branches.len() < 2 {
                    self.problem(format!("{path}.branches"), "a parallel step needs at least two branches");
                }
            }
            StepKind::Join(j) => {
                if let super::JoinMode::NOf(n) = j.mode {
                    let forks = self.spec.steps.iter().filter_map(|s| match &s.kind {
                        StepKind::Parallel(p) if p.join == step.id => Some(p.branches.len()),
                        _ => None,
                    });
                    if forks.into_iter().any(|b| n == 0 || n as usize > b) {
                        self.problem(format!("{path}.mode"), "n_of must be between 1 and the number of branches");
                    }
                }
            }
            StepKind::Auto(a) => {
                for (j, e) in a.effects.iter().enumerate() {
                    match e {
                        EffectSpec::Notify { to: Recipient::Role(r), .. } => {
                            self.role(&format!("{path}.effects[{j}].to"), r);
                        }
                        EffectSpec::Notify { to: Recipient::User(_), .. } => {
                            self.problem(
                                format!("{path}.effects[{j}].to"),
                                "a definition notifies roles or the applicant",
                            );
                        }
                        EffectSpec::IssueCertificate { number_pattern, .. } => {
                            if let Err(e) = crate::certificate::NumberPattern::parse(number_pattern) {
                                self.problem(format!("{path}.effects[{j}].number_pattern"), e);
                            }
                        }
                        _ => {}
                    }
                }
                if a.wait_for_ack && a.effects.is_empty() {
                    self.problem(format!("{path}.wait_for_ack"), "waits for effects but has none");
                }
            }
            StepKind::End(_) => {}
            StepKind::Publicity(p) => {
                self.role(&format!("{path}.role"), &p.role);
                self.limit(&format!("{path}.period"), &p.period);
                if let Some(f) = &p.office_field {
                    self.form_field(&format!("{path}.office_field"), f);
                }
                for (j, f) in p.shown.iter().enumerate() {
                    self.form_field(&format!("{path}.shown[{j}].field"), &f.field);
                    let schema = self.spec.form.pointer(&format!("/properties/{}", f.field));
                    let format = schema.and_then(|s| s.get("format")).and_then(|v| v.as_str());
                    let title = schema.and_then(|s| s.get("title")).and_then(|v| v.as_str()).unwrap_or_default();
                    let personal = format == Some("id-card") || f.field.contains("phone") || title.contains("电话");
                    if personal && f.mask == super::Mask::None {
                        self.problem(
                            format!("{path}.shown[{j}].mask"),
                            "a 身份证号 or a phone number is never shown in full on a public list",
                        );
                    }
                }
                if p.shown.is_empty() {
                    self.problem(format!("{path}.shown"), "a public list shows at least one field");
                }
            }
            StepKind::Committee(c) => {
                self.role(&format!("{path}.role"), &c.role);
                self.role(&format!("{path}.chair_role"), &c.chair_role);
                if let Some(f) = &c.office_field {
                    self.form_field(&format!("{path}.office_field"), f);
                }
                if let Some(l) = &c.limit {
                    self.limit(&format!("{path}.limit"), l);
                }
                if c.members == 0 {
                    self.problem(format!("{path}.members"), "a committee has at least one member");
                }
                for (name, share) in [("quorum", c.quorum), ("pass", c.pass)] {
                    if share.denominator == 0 || share.numerator > share.denominator {
                        self.problem(
                            format!("{path}.{name}"),
                            "a share is numerator/denominator with 0 < d and n <= d",
                        );
                    }
                }
            }
        }
    }

    fn successors(&self, step: &StepSpec) -> Vec<usize> {
        targets(step).into_iter().filter(|(f, _)| f != "join").filter_map(|(_, t)| self.ids.get(t).copied()).collect()
    }

    /// Reachability, termination, parallel branches, and loops without a wait.
    fn graph(&mut self) {
        let steps = &self.spec.steps;
        let reach = self.closure(&[0], |_| false);
        for (i, s) in steps.iter().enumerate() {
            if !reach.contains(&i) {
                self.problem(format!("steps[{i}]"), format!("step `{}` is unreachable from the first step", s.id));
            }
        }
        for (i, s) in steps.iter().enumerate() {
            let ends = self.closure(&[i], |_| false).iter().any(|&k| matches!(steps[k].kind, StepKind::End(_)));
            if !ends {
                self.problem(format!("steps[{i}]"), format!("no path from step `{}` ever ends", s.id));
            }
        }
        for (i, s) in steps.iter().enumerate() {
            if let StepKind::Parallel(p) = &s.kind {
                self.branches_of(i, &p.branches, &p.join);
            }
        }
        self.instant_loops();
    }

    fn branches_of(&mut self, index: usize, branches: &[String], join: &str) {
        let steps = &self.spec.steps;
        let starts: Vec<usize> = branches.iter().filter_map(|b| self.ids.get(b.as_str()).copied()).collect();
        let inside = self.closure(&starts, |s| s.id == join);
        for &k in &inside {
            let s = &steps[k];
            if s.id == join {
                continue;
            }
            let path = format!("steps[{k}]");
            if matches!(s.kind, StepKind::End(_) | StepKind::Parallel(_) | StepKind::Join(_)) {
                self.problem(
                    &path,
                    format!(
                        "step `{}` inside the branches of `{}` must lead to its join (no ends, no nested parallels)",
                        s.id, steps[index].id
                    ),
                );
            }
            // A case holds one 公示 and one vote at a time.
            if matches!(s.kind, StepKind::Publicity(_) | StepKind::Committee(_)) {
                self.problem(
                    &path,
                    format!(
                        "step `{}` (公示 or a committee) cannot run inside the branches of `{}`",
                        s.id, steps[index].id
                    ),
                );
            }
            self.out.in_branch.insert(s.id.clone(), steps[index].id.clone());
        }
    }

    /// Steps reachable from `from`, not expanding past steps where `stop` holds.
    fn closure(&self, from: &[usize], stop: impl Fn(&StepSpec) -> bool) -> HashSet<usize> {
        let mut seen: HashSet<usize> = from.iter().copied().collect();
        let mut queue: VecDeque<usize> = from.iter().copied().collect();
        while let Some(i) = queue.pop_front() {
            let step = &self.spec.steps[i];
            if stop(step) {
                continue;
            }
            for next in self.successors(step) {
                if seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
        seen
    }

    /// A cycle through steps that never wait (decisions, joins, auto steps without ack)
    /// would spin forever: refuse it.
    fn instant_loops(&mut self) {
        let steps = &self.spec.steps;
        let instant = |s: &StepSpec| match &s.kind {
            StepKind::Decision(_) | StepKind::Join(_) | StepKind::Parallel(_) => true,
            StepKind::Auto(a) => !a.wait_for_ack,
            _ => false,
        };
        for (i, s) in steps.iter().enumerate().filter(|(_, s)| instant(s)) {
            // Non-instant steps end the search, so reaching `i` again means a loop of
            // instant steps only.
            if self.closure(&self.successors(s), |t| !instant(t)).contains(&i) {
                self.problem(
                    format!("steps[{i}]"),
                    format!("step `{}` loops back to itself without a task in between", s.id),
                );
            }
        }
    }
}

/// Every step id a step names, with the field naming it.
fn targets(step: &StepSpec) -> Vec<(String, &str)> {
    match &step.kind {
        StepKind::Task(t) => {
            t.actions.iter().enumerate().map(|(j, a)| (format!("actions[{j}].next"), a.next.as_str())).collect()
        }
        StepKind::Decision(d) => d
            .branches
            .iter()
            .enumerate()
            .map(|(j, b)| (format!("branches[{j}].next"), b.next.as_str()))
            .chain(std::iter::once(("otherwise".to_owned(), d.otherwise.as_str())))
            .collect(),
        StepKind::Parallel(p) => p
            .branches
            .iter()
            .enumerate()
            .map(|(j, b)| (format!("branches[{j}]"), b.as_str()))
            .chain(std::iter::once(("join".to_owned(), p.join.as_str())))
            .collect(),
        StepKind::Join(j) => vec![("next".to_owned(), j.next.as_str())],
        StepKind::Auto(a) => vec![("next".to_owned(), a.next.as_str())],
        StepKind::End(_) => Vec::new(),
        StepKind::Publicity(p) => {
            vec![("next".to_owned(), p.next.as_str()), ("on_upheld".to_owned(), p.on_upheld.as_str())]
        }
        StepKind::Committee(c) => {
            vec![("approved".to_owned(), c.approved.as_str()), ("rejected".to_owned(), c.rejected.as_str())]
        }
    }
}
