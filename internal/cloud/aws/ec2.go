package aws

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/tendhq/tend/internal/remediate"
)

var _ remediate.Inventory = (*Inventory)(nil)

// EC2API is the part of the EC2 client Inventory uses.
type EC2API interface {
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
}

// Inventory finds EC2 instances with DescribeInstances.
type Inventory struct {
	api EC2API
}

// NewInventory returns an Inventory using api.
func NewInventory(api EC2API) *Inventory { return &Inventory{api: api} }

var instanceIDRe = regexp.MustCompile(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`)

// Instance returns an instance's type and tags by its id (i-…). An
// unknown id is an error wrapping ErrNotFound.
func (inv *Inventory) Instance(ctx context.Context, id string) (remediate.Instance, error) {
	if !instanceIDRe.MatchString(id) {
		return remediate.Instance{}, fmt.Errorf("describe instance %q: not an EC2 instance id (i- and 8 or 17 hex digits)", id)
	}
	out, err := inv.api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "InvalidInstanceID.NotFound" || ae.ErrorCode() == "InvalidInstanceID.Malformed") {
			return remediate.Instance{}, fmt.Errorf("describe instance %q: %w: %s", id, ErrNotFound, ae.ErrorMessage())
		}
		return remediate.Instance{}, fmt.Errorf("describe instance %q: %w", id, err)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if in.InstanceId == nil || *in.InstanceId != id {
				continue
			}
			inst := remediate.Instance{ID: id, Type: string(in.InstanceType), Tags: map[string]string{}}
			for _, t := range in.Tags {
				if t.Key != nil {
					inst.Tags[*t.Key] = deref(t.Value)
				}
			}
			return inst, nil
		}
	}
	return remediate.Instance{}, fmt.Errorf("describe instance %q: %w", id, ErrNotFound)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
