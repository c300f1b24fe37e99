// Package cfnstack is tend's client for AWS CloudFormation stacks, the S3
// upload of large templates, and Amazon DevOps Guru's resource collection:
// what `tend import terraform --deploy` needs to create or extend a stack by
// importing existing resources and enrol it for analysis. It wraps
// aws-sdk-go-v2; package cfnfake holds httptest servers speaking the same
// protocols (CloudFormation query, S3 REST, DevOps Guru REST-JSON).
package cfnstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// API is the part of the CloudFormation API the client calls; the SDK's
// *cloudformation.Client satisfies it.
type API interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	ListStackResources(context.Context, *cloudformation.ListStackResourcesInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error)
	GetTemplate(context.Context, *cloudformation.GetTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
	CreateChangeSet(context.Context, *cloudformation.CreateChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error)
	DescribeChangeSet(context.Context, *cloudformation.DescribeChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error)
	ExecuteChangeSet(context.Context, *cloudformation.ExecuteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error)
	DeleteChangeSet(context.Context, *cloudformation.DeleteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error)
	DeleteStack(context.Context, *cloudformation.DeleteStackInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error)
	DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)
}

var _ API = (*cloudformation.Client)(nil)

// Client manages stacks. The zero value is not usable; use New.
type Client struct {
	api  API
	log  *slog.Logger
	poll time.Duration
}

// Options tune a Client.
type Options struct {
	// Poll is the interval between status checks while waiting (default 5s).
	Poll time.Duration
	Log  *slog.Logger
}

// New returns a client over a CloudFormation API (normally
// cloudformation.NewFromConfig(cfg)).
func New(api API, o Options) *Client {
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Client{api: api, log: o.Log, poll: o.Poll}
}

// Stack is a stack's identity and status.
type Stack struct {
	Name         string
	ID           string
	Status       string
	StatusReason string
	Parameters   []string // parameter keys
	Tags         map[string]string
	Outputs      map[string]string
}

// Resource is one resource a stack holds.
type Resource struct {
	LogicalID  string
	PhysicalID string
	Type       string
	Status     string
}

// Stack describes a stack, or returns (nil, nil) if there is none by that name.
func (c *Client) Stack(ctx context.Context, name string) (*Stack, error) {
	out, err := c.api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		if isNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	s := out.Stacks[0]
	st := &Stack{Name: aws.ToString(s.StackName), ID: aws.ToString(s.StackId), Status: string(s.StackStatus), StatusReason: aws.ToString(s.StackStatusReason)}
	for _, p := range s.Parameters {
		st.Parameters = append(st.Parameters, aws.ToString(p.ParameterKey))
	}
	sort.Strings(st.Parameters)
	st.Tags, st.Outputs = map[string]string{}, map[string]string{}
	for _, t := range s.Tags {
		st.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	for _, o := range s.Outputs {
		st.Outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return st, nil
}

func isNotExist(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

// Resources lists every resource of a stack.
func (c *Client) Resources(ctx context.Context, name string) ([]Resource, error) {
	var out []Resource
	p := cloudformation.NewListStackResourcesPaginator(c.api, &cloudformation.ListStackResourcesInput{StackName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list resources of stack %s: %w", name, err)
		}
		for _, r := range page.StackResourceSummaries {
			out = append(out, Resource{
				LogicalID: aws.ToString(r.LogicalResourceId), PhysicalID: aws.ToString(r.PhysicalResourceId),
				Type: aws.ToString(r.ResourceType), Status: string(r.ResourceStatus),
			})
		}
	}
	return out, nil
}

// Template returns the template body a stack was last deployed with.
func (c *Client) Template(ctx context.Context, name string) (string, error) {
	out, err := c.api.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(name), TemplateStage: types.TemplateStageOriginal})
	if err != nil {
		return "", fmt.Errorf("get template of stack %s: %w", name, err)
	}
	return aws.ToString(out.TemplateBody), nil
}

// ImportResource is one entry of ResourcesToImport.
type ImportResource struct {
	Type       string
	LogicalID  string
	Identifier map[string]string
}

// ImportChangeSet is the input of CreateImportChangeSet.
type ImportChangeSet struct {
	StackName     string
	ChangeSetName string
	TemplateBody  string // or
	TemplateURL   string
	Parameters    map[string]string // values (NoEcho parameters included)
	UsePrevious   []string          // existing parameters to keep
	Resources     []ImportResource
	Description   string
}

// CreateImportChangeSet creates a change set of type IMPORT and returns its ID.
func (c *Client) CreateImportChangeSet(ctx context.Context, in ImportChangeSet) (string, error) {
	req := &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(in.StackName),
		ChangeSetName: aws.String(in.ChangeSetName),
		ChangeSetType: types.ChangeSetTypeImport,
		Capabilities:  []types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityNamedIam},
	}
	if in.Description != "" {
		req.Description = aws.String(in.Description)
	}
	if in.TemplateURL != "" {
		req.TemplateURL = aws.String(in.TemplateURL)
	} else {
		req.TemplateBody = aws.String(in.TemplateBody)
	}
	for _, k := range sortedKeys(in.Parameters) {
		req.Parameters = append(req.Parameters, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(in.Parameters[k])})
	}
	for _, k := range in.UsePrevious {
		req.Parameters = append(req.Parameters, types.Parameter{ParameterKey: aws.String(k), UsePreviousValue: aws.Bool(true)})
	}
	for _, r := range in.Resources {
		req.ResourcesToImport = append(req.ResourcesToImport, types.ResourceToImport{
			ResourceType: aws.String(r.Type), LogicalResourceId: aws.String(r.LogicalID), ResourceIdentifier: r.Identifier,
		})
	}
	out, err := c.api.CreateChangeSet(ctx, req)
	if err != nil {
		return "", fmt.Errorf("create import change set for stack %s: %w", in.StackName, err)
	}
	return aws.ToString(out.Id), nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ChangeSet is a change set's outcome.
type ChangeSet struct {
	ID              string
	Status          string
	ExecutionStatus string
	StatusReason    string
}

// ErrChangeSetFailed is wrapped when a change set ends FAILED.
var ErrChangeSetFailed = errors.New("change set failed")

// WaitChangeSet polls a change set until it is created (or fails).
// progress, if not nil, is told every status change.
func (c *Client) WaitChangeSet(ctx context.Context, stack, id string, progress func(status string)) (*ChangeSet, error) {
	last := ""
	for {
		out, err := c.api.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("describe change set %s: %w", id, err)
		}
		cs := &ChangeSet{ID: id, Status: string(out.Status), ExecutionStatus: string(out.ExecutionStatus), StatusReason: aws.ToString(out.StatusReason)}
		if cs.Status != last && progress != nil {
			progress(cs.Status)
		}
		last = cs.Status
		switch out.Status {
		case types.ChangeSetStatusCreateComplete:
			return cs, nil
		case types.ChangeSetStatusFailed:
			return cs, fmt.Errorf("%w: %s", ErrChangeSetFailed, cs.StatusReason)
		}
		if err := sleep(ctx, c.poll); err != nil {
			return nil, fmt.Errorf("wait for change set %s: %w", id, err)
		}
	}
}

// ExecuteChangeSet starts the import.
func (c *Client) ExecuteChangeSet(ctx context.Context, stack, id string) error {
	if _, err := c.api.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(id)}); err != nil {
		return fmt.Errorf("execute change set %s: %w", id, err)
	}
	return nil
}

// DeleteChangeSet removes a change set (used after one failed).
func (c *Client) DeleteChangeSet(ctx context.Context, stack, id string) error {
	if _, err := c.api.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(id)}); err != nil {
		return fmt.Errorf("delete change set %s: %w", id, err)
	}
	return nil
}

// DeleteStack deletes a stack and waits until it is gone.
func (c *Client) DeleteStack(ctx context.Context, name string, progress func(status string)) error {
	st, err := c.Stack(ctx, name)
	if err != nil || st == nil {
		return err
	}
	if _, err := c.api.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
		return fmt.Errorf("delete stack %s: %w", name, err)
	}
	final, err := c.WaitStack(ctx, st.ID, progress)
	if err != nil {
		return err
	}
	if final != nil && final.Status != string(types.StackStatusDeleteComplete) {
		return fmt.Errorf("delete stack %s: ended %s: %s", name, final.Status, final.StatusReason)
	}
	return nil
}

// WaitStack polls until the stack's status is no longer *_IN_PROGRESS and
// returns the final state (nil if the stack is gone).
func (c *Client) WaitStack(ctx context.Context, name string, progress func(status string)) (*Stack, error) {
	last := ""
	for {
		st, err := c.Stack(ctx, name)
		if err != nil {
			return nil, err
		}
		if st == nil {
			return nil, nil
		}
		if st.Status != last && progress != nil {
			progress(st.Status)
		}
		last = st.Status
		if !strings.HasSuffix(st.Status, "_IN_PROGRESS") {
			return st, nil
		}
		if err := sleep(ctx, c.poll); err != nil {
			return nil, fmt.Errorf("wait for stack %s: %w", name, err)
		}
	}
}

// FailureReasons returns the reasons of the stack's most recent failed
// resource events, newest first, for an error message.
func (c *Client) FailureReasons(ctx context.Context, name string, limit int) []string {
	out, err := c.api.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(name)})
	if err != nil {
		c.log.Warn("describe stack events", "stack", name, "err", err)
		return nil
	}
	var reasons []string
	for _, e := range out.StackEvents {
		if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && aws.ToString(e.ResourceStatusReason) != "" {
			reasons = append(reasons, fmt.Sprintf("%s: %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceStatusReason)))
			if len(reasons) == limit {
				break
			}
		}
	}
	return reasons
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
