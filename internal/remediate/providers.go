// Package remediate is tend's self-healing engine: policies (as code) match
// problems, qualify them, and act through persisted, resumable runs whose
// every step is recorded before the next begins.
package remediate

import (
	"context"

	"github.com/tendhq/tend/internal/problem"
)

// Monitor is the monitoring system a problem came from. It enriches the
// problem with details the webhook does not carry and takes comments back.
// Implementations: Dynatrace (API v2), and a no-op for sources that take no
// comments.
type Monitor interface {
	// Problem returns the problem's details by its external id: event
	// type, impact level, affected and root-cause entities.
	Problem(ctx context.Context, externalID string) (problem.Problem, error)
	// Entity returns an entity's details: properties (cloud instance id
	// and type), tags.
	Entity(ctx context.Context, id string) (problem.Entity, error)
	// Comments lists the comments on a problem, newest first.
	Comments(ctx context.Context, externalID string) ([]Comment, error)
	// Comment adds a comment to a problem.
	Comment(ctx context.Context, externalID, text string) error
}

// Comment is a comment on a problem.
type Comment struct {
	ID      string
	Author  string
	Content string
}

// Instance is a cloud instance behind a monitored entity.
type Instance struct {
	ID   string
	Type string
	// Tags of the instance, including aws:servicecatalog:productArn,
	// aws:servicecatalog:provisioningArtifactIdentifier and
	// aws:cloudformation:logical-id when Service Catalog launched it.
	Tags map[string]string
}

// Inventory finds instances. Implementation: EC2 DescribeInstances.
type Inventory interface {
	Instance(ctx context.Context, id string) (Instance, error)
}

// Params reads operator-maintained parameters, such as the ordered list of
// approved instance types. Implementations: tend's embedded parameter store,
// AWS SSM Parameter Store.
type Params interface {
	// StringList returns a list parameter (comma-separated values) in order.
	StringList(ctx context.Context, name string) ([]string, error)
}
