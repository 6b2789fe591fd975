//! Reports of which services an IAM role used, read into [`ServiceUsage`]:
//! `aws iam get-service-last-accessed-details` output (`JobCompletionDate`,
//! `ServicesLastAccessed`; it names no role) and IAM Access Analyzer unused-access
//! findings (`aws accessanalyzer get-finding-v2` output, or the `findings` of
//! `list-findings-v2`), which name the role's ARN in `resource`.

use crate::iam::role::{ServiceAccess, ServiceUsage};
use crate::spanned::spanned_text;
use crate::tree::Node;

/// The Access Analyzer finding type of unused permissions.
const UNUSED_PERMISSION: &str = "UnusedPermission";

/// True when the JSON root is a last-accessed report or Access Analyzer findings.
pub fn is_access_report(root: &Node) -> bool {
    root.get("ServicesLastAccessed").is_some()
        || is_finding(root)
        || root
            .get("findings")
            .and_then(Node::as_seq)
            .is_some_and(|findings| findings.iter().any(is_finding))
}

fn is_finding(node: &Node) -> bool {
    node.get("findingType").is_some() && node.get("resource").is_some()
}

/// Reads a report: one [`ServiceUsage`] for a last-accessed report or per
/// `UnusedPermission` finding.
pub fn load_access_report(root: &Node) -> Vec<ServiceUsage> {
    if let Some(services) = root.get("ServicesLastAccessed").and_then(Node::as_seq) {
        return vec![ServiceUsage {
            span: root.span,
            resource: None,
            as_of: root.get("JobCompletionDate").and_then(spanned_text),
            finding_id: None,
            services: services
                .iter()
                .filter_map(|service| {
                    Some(ServiceAccess {
                        namespace: spanned_text(service.get("ServiceNamespace")?)?,
                        last_accessed: service.get("LastAuthenticated").and_then(spanned_text),
                    })
                })
                .collect(),
        }];
    }
    let findings = match root.get("findings").and_then(Node::as_seq) {
        Some(findings) => findings.iter().collect(),
        None => vec![root],
    };
    findings
        .into_iter()
        .filter(|f| f.get("findingType").and_then(Node::as_str) == Some(UNUSED_PERMISSION))
        .map(|finding| ServiceUsage {
            span: finding.span,
            resource: finding.get("resource").and_then(spanned_text),
            as_of: finding
                .get("analyzedAt")
                .or_else(|| finding.get("updatedAt"))
                .and_then(spanned_text),
            finding_id: finding.get("id").and_then(spanned_text),
            services: finding
                .get("findingDetails")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|detail| {
                    let details = detail.get("unusedPermissionDetails")?;
                    Some(ServiceAccess {
                        namespace: spanned_text(details.get("serviceNamespace")?)?,
                        last_accessed: details.get("lastAccessed").and_then(spanned_text),
                    })
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;
    use crate::limits::Limits;
    use crate::FileId;

    fn load(text: &str) -> Vec<ServiceUsage> {
        let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
        assert!(is_access_report(&root));
        load_access_report(&root)
    }

    #[test]
    fn last_accessed_report() {
        let text = r#"{"JobStatus": "COMPLETED", "JobCompletionDate": "2024-03-01T12:00:00Z",
            "ServicesLastAccessed": [
              {"ServiceName": "Amazon S3", "ServiceNamespace": "s3", "LastAuthenticated": "2024-02-20T08:00:00Z"},
              {"ServiceName": "AWS KMS", "ServiceNamespace": "kms", "TotalAuthenticatedEntities": 0}]}"#;
        let [usage] = load(text).try_into().unwrap();
        assert!(usage.resource.is_none());
        assert_eq!(usage.as_of.unwrap().value, "2024-03-01T12:00:00Z");
        assert_eq!(&text[usage.services[1].namespace.span.range()], "\"kms\"");
        assert!(usage.services[0].last_accessed.is_some());
        assert!(usage.services[1].last_accessed.is_none());
    }

    #[test]
    fn access_analyzer_findings() {
        let finding = r#"{"analyzedAt": "2024-03-01T00:00:00Z", "id": "f-1",
            "resource": "arn:aws:iam::123456789012:role/deploy", "resourceType": "AWS::IAM::Role",
            "findingType": "UnusedPermission", "findingDetails": [
              {"unusedPermissionDetails": {"serviceNamespace": "ec2", "lastAccessed": "2023-10-01T00:00:00Z"}},
              {"unusedPermissionDetails": {"serviceNamespace": "iam"}}]}"#;
        let [usage] = load(finding).try_into().unwrap();
        assert_eq!(
            usage.resource.unwrap().value,
            "arn:aws:iam::123456789012:role/deploy"
        );
        assert_eq!(usage.finding_id.unwrap().value, "f-1");
        let namespaces: Vec<&str> = usage
            .services
            .iter()
            .map(|s| s.namespace.value.as_str())
            .collect();
        assert_eq!(namespaces, ["ec2", "iam"]);
        let list = r#"{"findings": [
            {"id": "a", "resource": "arn:aws:iam::1:role/r", "findingType": "UnusedIAMRole"},
            {"id": "b", "resource": "arn:aws:iam::1:role/r", "findingType": "UnusedPermission", "updatedAt": "2024-01-01T00:00:00Z"}]}"#;
        let [usage] = load(list).try_into().unwrap();
        assert_eq!(usage.finding_id.unwrap().value, "b");
        assert!(
            usage.services.is_empty(),
            "list-findings-v2 gives no details"
        );
    }
}
