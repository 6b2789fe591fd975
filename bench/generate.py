#!/usr/bin/env python3
"""Writes a synthetic trustlint corpus: IAM trust policies for GitLab OIDC roles,
permissions policies, Terraform modules and GitLab CI pipelines, in the proportions of a
mid-sized organisation (33 % trust, 25 % permissions, 17 % Terraform, 25 % pipelines).

    bench/generate.py TARGET_DIR [--files N] [--seed S]

TARGET_DIR gets trust/, permissions/, terraform/<module>/main.tf and
pipelines/<project>/.gitlab-ci.yml, and a stamp `.generated` (JSON: format version, N,
seed and the file count per kind). The output is a pure function of N and the seed, so
runs are comparable. Both good and flawed inputs are written (wildcard subs, missing sub
conditions, Deny carve-outs, several statements, AdministratorAccess attached), so the
rules do real work rather than rejecting files early.

Each Terraform module is a GitLab OIDC role in one file: variables and locals with
defaults, sometimes the gitlab.com `aws_iam_openid_connect_provider`, the trust as
`jsonencode({...})` or a `data "aws_iam_policy_document"`, and permissions as an inline
`aws_iam_role_policy` or an `aws_iam_policy` plus `aws_iam_role_policy_attachment`.
"""

import argparse
import json
import random
import re
import shutil
from pathlib import Path

# Bumped whenever the corpus layout or content changes, so cached corpora are rewritten.
FORMAT = 2

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


class Ref(str):
    """A Terraform expression written as is (a reference such as `local.provider_arn`)."""


def hcl(value, indent=0):
    """`value` (dicts, lists, strings, numbers, Refs) as an HCL expression; strings may hold
    `${...}` interpolations."""
    pad = "  " * indent
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        items = [hcl(item, indent + 1) for item in value]
        if all("\n" not in item for item in items) and sum(map(len, items)) < 80:
            return "[" + ", ".join(items) + "]"
        return "[\n" + "".join(f"{pad}  {item},\n" for item in items) + f"{pad}]"
    if isinstance(value, dict):
        names = [key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else json.dumps(key) for key in value]
        width = max(map(len, names), default=0)
        lines = [f"{pad}  {name:<{width}} = {hcl(item, indent + 1)}\n" for name, item in zip(names, value.values())]
        return "{\n" + "".join(lines) + f"{pad}}}"
    raise TypeError(f"no HCL for {value!r}")


def hcl_block(header, attributes, blocks=(), indent=0):
    """A block `header { attributes... nested blocks... }`."""
    pad = "  " * indent
    width = max((len(k) for k in attributes), default=0)
    lines = [f"{pad}{header} {{"]
    lines += [f"{pad}  {key:<{width}} = {hcl(value, indent + 1)}" for key, value in attributes.items()]
    for block in blocks:
        lines.append(block)
    lines.append(f"{pad}}}")
    return "\n".join(lines)


def sub_conditions(shape, group, sub, aud):
    """The conditions of a Terraform module's GitLab statement, shape by shape (the shapes
    of trust_policy, plus a foreign-namespace prefix), as (test, variable, values); a Deny
    carve-out for shape 7 is returned apart."""
    project = "project_path:${local.project_path}"
    audience = ("StringEquals", aud, [Ref("local.gitlab_url")])
    if shape == 0:  # the right way: one protected branch
        return [audience, ("StringEquals", sub, [f"{project}:ref_type:branch:ref:main"])], None
    if shape == 1:  # several exact subs
        refs = [("branch", "main"), ("tag", "v1.0.0"), ("branch", "release")]
        return [audience, ("StringEquals", sub, [f"{project}:ref_type:{t}:ref:{r}" for t, r in refs])], None
    if shape == 2:  # wildcard over the group: any project may assume the role
        return [audience, ("StringLike", sub, [f"project_path:{group}/*"])], None
    if shape == 3:  # audience only (TL101)
        return [audience], None
    if shape == 4:  # any ref of the project
        return [audience, ("StringLike", sub, [f"{project}:*"])], None
    if shape == 5:  # no condition at all (TL101)
        return [], None
    if shape == 6:  # protected tags by pattern
        return [audience, ("StringLike", sub, [f"{project}:ref_type:tag:ref:v*"])], None
    if shape == 7:  # feature branches with a Deny carve-out
        return ([audience, ("StringLike", sub, [f"{project}:ref_type:branch:ref:*"])],
                ("StringLike", sub, [f"{project}:ref_type:branch:ref:feature/*"]))
    # group prefix without the slash: `acme*` also admits `acmeevil/...` (TL103)
    return [audience, ("StringLike", sub, [f"project_path:{group}*:ref_type:branch:ref:main"])], None


def terraform_module(rng, index, flat=False):
    """One Terraform module (main.tf): a GitLab OIDC role, its trust and its permissions.
    With `flat`, every name it declares ends in `_INDEX`, so that many such files can
    share one folder (a flat Terraform root) without declaring a name twice."""
    host = rng.choice(HOSTS)
    domain = host.split("/")[0]
    path = project(rng, index)
    group = path.split("/")[0]
    role = f"ci-{group}-{index}"
    own_provider = host == "gitlab.com" and rng.random() < 0.3
    provider = Ref("aws_iam_openid_connect_provider.gitlab.arn" if own_provider else "local.provider_arn")
    parts = [
        hcl_block('variable "gitlab_host"', {"type": Ref("string"), "default": host}),
        hcl_block('variable "project_path"', {"type": Ref("string"), "default": path}),
        hcl_block("locals", {
            "gitlab_url": f"https://{domain}",
            "provider_arn": f"arn:aws:iam::{account(rng)}:oidc-provider/${{var.gitlab_host}}",
            "project_path": Ref("var.project_path"),
        }),
    ]
    if own_provider:
        parts.append(hcl_block('resource "aws_iam_openid_connect_provider" "gitlab"', {
            "url": "https://gitlab.com",
            "client_id_list": ["https://gitlab.com"],
            "thumbprint_list": ["b3dd7606d2b5a8b4a13771dbecc9ee1cecafa38a"],
        }))

    shape = rng.randrange(9)
    sub, aud = "${var.gitlab_host}:sub", "${var.gitlab_host}:aud"
    conditions, deny = sub_conditions(shape, group, sub, aud)
    ec2 = rng.random() < 0.3
    if rng.random() < 0.5:  # trust as jsonencode({...})
        def condition_map(items):
            merged = {}
            for test, variable, values in items:
                merged.setdefault(test, {})[variable] = values[0] if len(values) == 1 else values
            return merged
        allow = {"Sid": "GitLab", "Effect": "Allow", "Principal": {"Federated": provider},
                 "Action": "sts:AssumeRoleWithWebIdentity"}
        if conditions:
            allow["Condition"] = condition_map(conditions)
        statements = [allow]
        if deny:
            statements.append({"Effect": "Deny", "Principal": {"Federated": provider},
                               "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition_map([deny])})
        if ec2:
            statements.append({"Sid": "Ec2", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                               "Action": "sts:AssumeRole"})
        trust = Ref("jsonencode(" + hcl({"Version": "2012-10-17", "Statement": statements}, 1) + ")")
    else:  # trust as a policy document
        def statement(effect, conditions, principal_type="Federated", identifiers=(provider,),
                      action="sts:AssumeRoleWithWebIdentity", sid=None):
            attributes = {"sid": sid} if sid else {}
            attributes.update({"effect": effect, "actions": [action]})
            blocks = [hcl_block("principals", {"type": principal_type, "identifiers": list(identifiers)}, indent=2)]
            blocks += [hcl_block("condition", {"test": t, "variable": v, "values": values}, indent=2)
                       for t, v, values in conditions]
            return hcl_block("statement", attributes, blocks, indent=1)
        statements = [statement("Allow", conditions, sid="GitLab")]
        if deny:
            statements.append(statement("Deny", [deny]))
        if ec2:
            statements.append(statement("Allow", [], "Service", ["ec2.amazonaws.com"], "sts:AssumeRole", "Ec2"))
        parts.append(hcl_block('data "aws_iam_policy_document" "trust"', {}, statements))
        trust = Ref("data.aws_iam_policy_document.trust.json")
    parts.append(hcl_block('resource "aws_iam_role" "ci"', {
        "name": role,
        "assume_role_policy": trust,
        "max_session_duration": 3600,
        "tags": {"team": group, "environment": rng.choice(["production", "staging", "dev"])},
    }))

    policy = Ref("jsonencode(" + hcl(permissions_policy(rng, index), 1) + ")")
    if rng.random() < 0.5:
        parts.append(hcl_block('resource "aws_iam_role_policy" "ci"', {
            "name": f"{role}-inline", "role": Ref("aws_iam_role.ci.id"), "policy": policy}))
    else:
        parts.append(hcl_block('resource "aws_iam_policy" "ci"', {
            "name": f"{role}-deploy", "description": f"Deploys {path}", "policy": policy}))
        parts.append(hcl_block('resource "aws_iam_role_policy_attachment" "ci"', {
            "role": Ref("aws_iam_role.ci.name"), "policy_arn": Ref("aws_iam_policy.ci.arn")}))
    managed = rng.random()
    if managed < 0.1:  # TL201
        parts.append(hcl_block('resource "aws_iam_role_policy_attachment" "admin"', {
            "role": Ref("aws_iam_role.ci.name"), "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
    elif managed < 0.3:
        parts.append(hcl_block('resource "aws_iam_role_policy_attachment" "read_only"', {
            "role": Ref("aws_iam_role.ci.name"), "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
    text = f"# GitLab CI role for {path} (module {index}).\n" + "\n\n".join(parts) + "\n"
    if flat:
        names = r"gitlab_host|project_path|gitlab_url|provider_arn|gitlab|trust|ci|admin|read_only"
        text = re.sub(r'((?:variable|resource "[a-z_]+"|data "[a-z_]+") ")(' + names + r')"', rf'\1\2_{index}"', text)
        text = re.sub(r"\b((?:var|local|aws_iam_openid_connect_provider|data\.aws_iam_policy_document|aws_iam_role|aws_iam_policy)\.)(" + names + r")\b",
                      rf"\1\2_{index}", text)
        text = re.sub(r"^(  )(gitlab_url|provider_arn|project_path)( +=)", rf"\1\2_{index}\3", text, flags=re.M)
    return text


def generate(target, files, seed):
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    counts = {"trust": files * 33 // 100, "permissions": files * 25 // 100, "terraform": files * 17 // 100}
    counts["pipelines"] = files - sum(counts.values())
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
    for i in range(counts["terraform"]):
        folder = target / "terraform" / f"module-{i:06}"
        folder.mkdir(parents=True)
        (folder / "main.tf").write_text(terraform_module(rng, i))
    stamp = {"format": FORMAT, "files": files, "seed": seed, "counts": counts}
    (target / ".generated").write_text(json.dumps(stamp))
    return counts


# The scale shapes (issue 27) and what each is timed against (bench/compare.py --shapes).
FLAT_FILES = 200
BIG_POLICY_STATEMENTS = 25_000
LINKED_PIPELINES = 200
ORG_FILES = 30_000


def big_policy(rng, statements, shape):
    """One permissions policy of `statements` statements: "varied" (one to five actions
    of one service on two resources, as permissions_policy writes them) or "bucket" (three
    S3 actions on one bucket ARN each)."""
    out = []
    for s in range(statements):
        if shape == "bucket":
            out.append({"Sid": f"B{s}", "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                        "Resource": f"arn:aws:s3:::bucket-{s}"})
        else:
            service = rng.choice(SERVICES)
            actions = sorted({f"{service}:{rng.choice(VERBS)}{rng.choice(NOUNS)}" for _ in range(rng.randrange(1, 6))})
            resource = f"arn:aws:{service}:eu-west-1:{account(rng)}:{rng.choice(NOUNS).lower()}/app-{s}/*"
            out.append({"Sid": f"S{s}", "Effect": "Allow", "Action": actions,
                        "Resource": [resource, resource.rstrip("/*")]})
    return {"Version": "2012-10-17", "Statement": out}


def linked_pipeline(rng, index, roles):
    """A pipeline whose deploy jobs each assume one of `roles` (role names the same scan
    declares in Terraform)."""
    text = pipeline(rng, index)
    lines = text.splitlines()
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("deploy-") and line.endswith(":"):
            role = roles[rng.randrange(len(roles))]
            out += ["  variables:", f"    ROLE_ARN: arn:aws:iam::123456789012:role/{role}"]
    return "\n".join(out) + "\n"


def generate_shapes(target, seed, statements=BIG_POLICY_STATEMENTS, flat=FLAT_FILES, org=ORG_FILES):
    """The scale shapes, each in a folder of its own below `target`:
    flat-terraform/one-folder/ (`flat` files in one folder: a flat Terraform root) and
    flat-terraform/folders/ (the same files, one per folder: its floor);
    big-policy/varied/ and big-policy/bucket/ (one policy.json of `statements` statements
    each); linked/ (Terraform roles and pipelines whose deploy jobs all assume
    them); org/ (the organisation-wide mix: the corpus of `org` files)."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    one = target / "flat-terraform" / "one-folder"
    one.mkdir(parents=True)
    for i in range(flat):
        text = terraform_module(rng, i, flat=True)
        (one / f"role-{i:04}.tf").write_text(text)
        folder = target / "flat-terraform" / "folders" / f"role-{i:04}"
        folder.mkdir(parents=True)
        (folder / f"role-{i:04}.tf").write_text(text)
    for shape in ["varied", "bucket"]:
        policy = big_policy(rng, statements, shape)
        (target / "big-policy" / shape).mkdir(parents=True)
        (target / "big-policy" / shape / "policy.json").write_text(json.dumps(policy, indent=1))
    roles = []
    for i in range(LINKED_PIPELINES):
        folder = target / "linked" / "terraform" / f"module-{i:04}"
        folder.mkdir(parents=True)
        text = terraform_module(rng, i)
        roles.append(re.search(r'name += "(ci-[^"]+)"', text).group(1))
        (folder / "main.tf").write_text(text)
    for i in range(LINKED_PIPELINES):
        folder = target / "linked" / "pipelines" / f"project-{i:04}"
        folder.mkdir(parents=True)
        (folder / ".gitlab-ci.yml").write_text(linked_pipeline(rng, i, roles))
    generate(target / "org", org, seed)
    stamp = {"format": FORMAT, "seed": seed,
             "shapes": {"flat": flat, "statements": statements, "linked": LINKED_PIPELINES, "org": org}}
    (target / ".generated").write_text(json.dumps(stamp))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path, help="folder to (re)create")
    parser.add_argument("--files", type=int, default=3000, help="number of files (default 3000)")
    parser.add_argument("--seed", type=int, default=9, help="random seed (default 9)")
    parser.add_argument("--shapes", action="store_true",
                        help="write the scale shapes instead (see generate_shapes)")
    parser.add_argument("--statements", type=int, default=BIG_POLICY_STATEMENTS,
                        help=f"with --shapes: statements of the big policies (default {BIG_POLICY_STATEMENTS})")
    args = parser.parse_args()
    if args.shapes:
        generate_shapes(args.target, args.seed, args.statements)
        print(f"wrote the scale shapes to {args.target}")
        return
    counts = generate(args.target, args.files, args.seed)
    total = sum(counts.values())
    print(f"wrote {total} files to {args.target}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
