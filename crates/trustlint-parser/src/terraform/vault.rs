//! The `federation::vault` resources of a Terraform module file.

use hcl_edit::structure::Block;

use super::eval::Env;
use crate::federation::vault::VaultResources;
use crate::problem::Problem;

/// Reads the resources among `blocks` (the loaded file's own `resource` and `data`
/// blocks, each with its kind and name labels), references resolved through `env`.
pub(super) fn read<'a>(
    _env: &Env<'a>,
    _blocks: &[(&'a str, &'a str, &'a Block)],
    _out: &mut VaultResources,
    _problems: &mut Vec<Problem>,
) {
}
