//! Google Cloud workload identity pools, providers and IAM bindings.

/// The Google Cloud workload identity pools, providers and IAM bindings one file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcpResources {}

impl GcpResources {
    /// Whether the file declares none.
    pub fn is_empty(&self) -> bool {
        true
    }
}

/// Reads the relying parties the commands of a shell script (a `*.sh` file or a CI
/// job's script) declare into `out`.
pub fn read_commands(
    _commands: &[crate::script::Command],
    _out: &mut GcpResources,
    _problems: &mut Vec<crate::problem::Problem>,
) {
}
