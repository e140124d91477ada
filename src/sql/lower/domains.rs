//! Lowering of PostgreSQL `CREATE DOMAIN`, `COMMENT ON DOMAIN` and `CREATE EXTENSION`.

use sqlparser::ast::{CreateDomain, Ident, TableConstraint};

use super::Lowering;
use crate::engine::postgres::prepass;
use crate::error::{Location, Result};
use crate::model::{ColumnType, Domain, Extension};
use crate::normalize::types;

impl Lowering<'_> {
    pub(super) fn create_domain(&mut self, cd: CreateDomain, at: Location) -> Result<()> {
        self.postgres_only("`CREATE DOMAIN`", &at)?;
        let CreateDomain {
            name,
            data_type,
            collation,
            default,
            constraints,
        } = cd;
        let (name, location) = self.qualified_name(&name, &at)?;
        if let Some(first) = self.out.domains.get(&name) {
            return Err(self.err_help(
                location,
                format!("domain `{name}` is already defined at {first}"),
                "define it once",
            ));
        }
        let ty = ColumnType::new(self.dialect, types::normalize(self.dialect, &data_type).ty);
        let mut domain = Domain {
            name: name.clone(),
            data_type: ty,
            collation: collation.map(|c| self.fold(&c)),
            default: default.map(|d| self.expr(&d, &at)).transpose()?,
            not_null: false,
            checks: Vec::new(),
            comment: None,
        };
        for constraint in constraints {
            match constraint {
                TableConstraint::Check { name: Some(n), .. }
                    if n.quote_style.is_some() && n.value == prepass::DOMAIN_NOT_NULL =>
                {
                    domain.not_null = true;
                }
                TableConstraint::Check { name: n, expr, .. } => {
                    let n = n.map(|n| self.checked(&n, &at)).transpose()?;
                    domain.checks.push(self.check(&name, &expr, n, None, &at)?);
                }
                other => {
                    return Err(self.err_help(
                        at,
                        format!("`{other}` on a domain is not supported"),
                        "a domain takes DEFAULT, NOT NULL and CHECK (…) constraints",
                    ))
                }
            }
        }
        domain
            .checks
            .sort_by(|a, b| a.expr.text().cmp(b.expr.text()));
        self.out.schema.domains.insert(name.clone(), domain);
        self.out.domains.insert(name, location);
        Ok(())
    }

    /// `CREATE EXTENSION [IF NOT EXISTS] name [SCHEMA s] [VERSION v] [CASCADE]`: in the default
    /// schema or one the files create; `CASCADE` (install what it needs) is the server's
    /// business and left out.
    pub(super) fn create_extension(
        &mut self,
        name: &Ident,
        schema: Option<&Ident>,
        version: Option<&Ident>,
        at: Location,
    ) -> Result<()> {
        self.postgres_only("`CREATE EXTENSION`", &at)?;
        let schema = match schema {
            Some(s) => {
                let location = self.ident_loc(s, &at);
                let folded = self.checked(s, &location)?;
                if folded == "public" {
                    None
                } else {
                    self.out
                        .namespace_uses
                        .entry(folded.clone())
                        .or_insert(location);
                    Some(folded)
                }
            }
            None => None,
        };
        let name = self.fold(name);
        if self.out.schema.extensions.contains_key(&name) {
            return Err(self.err_help(
                at,
                format!("extension `{name}` is created twice"),
                "create it once",
            ));
        }
        let version = version.map(|v| v.value.clone());
        self.out.schema.extensions.insert(
            name.clone(),
            Extension {
                name,
                schema,
                version,
            },
        );
        Ok(())
    }
}
