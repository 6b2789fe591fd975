#!/usr/bin/env python3
"""Writes a synthetic trustlint corpus: IAM trust policies for GitLab OIDC roles,
permissions policies, and GitLab CI pipelines, in the proportions of a mid-sized
organisation (40 % trust, 30 % permissions, 30 % pipelines).

    bench/generate.py TARGET_DIR [--files N] [--seed S]

TARGET_DIR gets trust/, permissions/ and pipelines/<project>/.gitlab-ci.yml. The output
is a pure function of N and the seed, so runs are comparable. Both good and flawed
inputs are written (wildcard subs, missing sub conditions, Deny carve-outs, several
statements), so the rules do real work rather than rejecting files early.
"""

import argparse
import json
import random
import shutil
from pathlib import Path

HOSTS = ["gitlab.com", "gitlab.example.com", "git.corp.example.org/gitlab"]
GROUPS = ["platform", "payments", "data", "web", "infra", "mobile", "ml", "security"]
SERVICES = ["s3", "dynamodb", "lambda", "ecr", "ecs", "logs", "sqs", "sns", "kms", "ssm"]
VERBS = ["Get", "Put", "List", "Describe", "Create", "Update", "Delete", "Tag"]
NOUNS = ["Object", "Item", "Function", "Image", "Service", "LogEvents", "Message", "Key", "Parameter"]


def account(rng):
    return str(rng.randrange(10**11, 10**12))


def project(rng, index):
    return f"{rng.choice(GROUPS)}/{rng.choice(['api', 'app', 'svc', 'tool'])}-{index}"


def trust_policy(rng, index):
    host = rng.choice(HOSTS)
    provider = f"arn:aws:iam::{account(rng)}:oidc-provider/{host}"
    path = project(rng, index)
    shape = rng.randrange(8)
    sub = f"{host}:sub"
    aud = {f"{host}:aud": f"https://{host.split('/')[0]}"}
    if shape == 0:  # the right way: one protected branch
        condition = {"StringEquals": {**aud, sub: f"project_path:{path}:ref_type:branch:ref:main"}}
    elif shape == 1:  # several exact subs
        subs = [f"project_path:{path}:ref_type:{t}:ref:{r}" for t, r in
                [("branch", "main"), ("tag", "v1.0.0"), ("branch", "release")]]
        condition = {"StringEquals": {**aud, sub: subs}}
    elif shape == 2:  # wildcard over the group: any project may assume the role
        condition = {"StringEquals": aud, "StringLike": {sub: f"project_path:{path.split('/')[0]}/*"}}
    elif shape == 3:  # audience only
        condition = {"StringEquals": aud}
    elif shape == 4:  # any ref of the project
        condition = {"StringEquals": aud, "StringLike": {sub: f"project_path:{path}:*"}}
    elif shape == 5:  # no condition at all
        condition = None
    elif shape == 6:  # protected tags by pattern
        condition = {"StringEquals": aud, "StringLike": {sub: f"project_path:{path}:ref_type:tag:ref:v*"}}
    else:  # feature branches with a Deny carve-out below
        condition = {"StringEquals": aud, "StringLike": {sub: f"project_path:{path}:ref_type:branch:ref:*"}}
    allow = {
        "Sid": f"GitLab{index}",
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        allow["Condition"] = condition
    statements = [allow]
    if shape == 7:
        statements.append({
            "Effect": "Deny",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {sub: f"project_path:{path}:ref_type:branch:ref:feature/*"}},
        })
    if rng.random() < 0.3:
        statements.append({
            "Sid": "Ec2",
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        })
    return {"Version": "2012-10-17", "Statement": statements}


def permissions_policy(rng, index):
    statements = []
    for s in range(rng.randrange(1, 7)):
        service = rng.choice(SERVICES)
        actions = sorted({f"{service}:{rng.choice(VERBS)}{rng.choice(NOUNS)}" for _ in range(rng.randrange(1, 6))})
        if rng.random() < 0.1:
            actions = [f"{service}:*"]
        resource = f"arn:aws:{service}:eu-west-1:{account(rng)}:{rng.choice(NOUNS).lower()}/app-{index}-{s}/*"
        statement = {
            "Sid": f"S{s}",
            "Effect": "Deny" if rng.random() < 0.1 else "Allow",
            "Action": actions if len(actions) > 1 else actions[0],
            "Resource": "*" if rng.random() < 0.15 else [resource, resource.rstrip("/*")],
        }
        if rng.random() < 0.3:
            statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def pipeline(rng, index):
    host = rng.choice(HOSTS).split("/")[0]
    role = f"arn:aws:iam::{account(rng)}:role/ci-{index}"
    lines = [
        "stages: [build, test, deploy]",
        "variables:",
        f"  ROLE_ARN: {role}",
        "  AWS_REGION: eu-west-1",
        "",
        ".aws: &aws",
        "  image: registry.example.com/tools/aws:2",
        "  id_tokens:",
        "    GITLAB_OIDC_TOKEN:",
        f"      aud: https://{host}",
        "  before_script:",
        "    - export $(aws sts assume-role-with-web-identity --role-arn $ROLE_ARN"
        " --role-session-name ci-$CI_JOB_ID --web-identity-token $GITLAB_OIDC_TOKEN"
        " --query Credentials --output text | xargs printf 'A=%s B=%s C=%s')",
        "",
        ".rules-main: &rules-main",
        "  rules:",
        '    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH',
        '    - if: $CI_COMMIT_TAG =~ /^v\\d+/',
        "      when: manual",
        "",
        ".base:",
        "  tags: [docker]",
        "  retry: 1",
        ".deploy-base:",
        "  extends: .base",
        "  <<: *aws",
        "  stage: deploy",
    ]
    for job in range(rng.randrange(5, 25)):
        stage = rng.choice(["build", "test", "deploy"])
        lines += ["", f"{stage}-{job}:"]
        if stage == "deploy":
            lines += ["  extends: .deploy-base", "  <<: *rules-main"]
        else:
            lines += ["  extends: .base", f"  stage: {stage}"]
            if rng.random() < 0.5:
                lines += ["  rules:", '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"',
                          '    - if: $CI_COMMIT_BRANCH =~ /^release\\//']
        lines += ["  script:"] + [f"    - make {stage} PART={job}.{n}" for n in range(rng.randrange(1, 6))]
    return "\n".join(lines) + "\n"


def generate(target, files, seed):
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    counts = {"trust": files * 4 // 10, "permissions": files * 3 // 10}
    counts["pipelines"] = files - counts["trust"] - counts["permissions"]
    for kind in ["trust", "permissions"]:
        (target / kind).mkdir(parents=True)
    for i in range(counts["trust"]):
        (target / "trust" / f"role-{i:06}.trust.json").write_text(json.dumps(trust_policy(rng, i), indent=2))
    for i in range(counts["permissions"]):
        policy = permissions_policy(rng, i)
        (target / "permissions" / f"policy-{i:06}.json").write_text(json.dumps(policy, indent=2))
    for i in range(counts["pipelines"]):
        folder = target / "pipelines" / f"project-{i:06}"
        folder.mkdir(parents=True)
        (folder / ".gitlab-ci.yml").write_text(pipeline(rng, i))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path, help="folder to (re)create")
    parser.add_argument("--files", type=int, default=3000, help="number of files (default 3000)")
    parser.add_argument("--seed", type=int, default=9, help="random seed (default 9)")
    args = parser.parse_args()
    counts = generate(args.target, args.files, args.seed)
    total = sum(counts.values())
    print(f"wrote {total} files to {args.target}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
