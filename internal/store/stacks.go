package store

import (
	"context"
	"time"
)

// StackResource is one resource of an application boundary registered as a
// stack (by `tend import terraform --deploy`, or by hand): insights group
// the series of these resources under the stack.
type StackResource struct {
	Stack            string `json:"stack"`
	Type             string `json:"type"` // CloudFormation type, e.g. AWS::EC2::Instance
	LogicalID        string `json:"logical_id"`
	PhysicalID       string `json:"physical_id"`
	ARN              string `json:"arn,omitempty"`
	TerraformAddress string `json:"terraform_address,omitempty"`
}

// StackSummary describes a registered stack.
type StackSummary struct {
	Name         string    `json:"name"`
	Resources    int       `json:"resources"`
	RegisteredAt time.Time `json:"registered_at"`
}

// Stacks stores the stacks tend uses as application boundaries.
type Stacks interface {
	// Replace registers the stack with exactly these resources, replacing
	// any earlier registration of the same name. Repeating it is harmless.
	Replace(ctx context.Context, stack string, resources []StackResource, at time.Time) error
	// List returns every stack, by name.
	List(ctx context.Context) ([]StackSummary, error)
	// Resources returns a stack's resources; ErrNotFound for an unknown stack.
	Resources(ctx context.Context, stack string) ([]StackResource, error)
	// All returns every registered resource of every stack.
	All(ctx context.Context) ([]StackResource, error)
}
