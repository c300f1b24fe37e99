// Package tfimport brings Terraform-managed AWS resources under a
// CloudFormation stack boundary without touching them: it reads Terraform
// state (the v4 state file or `terraform show -json`), writes an importable
// template in which every resource is retained, plus the identifiers
// CloudFormation's IMPORT change sets need, checks every resource against
// the CloudFormation registry schemas embedded in the package, and deploys
// the result by import (Deployer), registering the stack as an application
// boundary through a BoundaryRegistrar.
//
// It does not convert Terraform code: only what state says exists.
package tfimport
