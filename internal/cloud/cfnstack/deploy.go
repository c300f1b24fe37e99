package cfnstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"gopkg.in/yaml.v3"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/fleet"
	"github.com/tendhq/tend/internal/store"
)

// DeployAPI is the part of the CloudFormation API the deployment provider
// calls: the stack client's and CreateStack.
type DeployAPI interface {
	API
	CreateStack(context.Context, *cloudformation.CreateStackInput, ...func(*cloudformation.Options)) (*cloudformation.CreateStackOutput, error)
}

var _ DeployAPI = (*cloudformation.Client)(nil)

// The parameters the provider fills in when a product's template declares
// them; other parameters keep their previous value or their Default.
const (
	ParamDeployment = "TendDeployment"     // the deployment's id
	ParamType       = "TendDeploymentType" // silo or pool
	ParamTenants    = "TendTenants"        // the tenants, comma-separated
	ParamProduct    = "TendProduct"
	ParamVersion    = "TendVersion" // the catalog version number
	ParamStack      = "TendStack"   // the stack's name
	ParamAccount    = "TendAccount"
	ParamRegion     = "TendRegion"
)

// Tags tend puts on every stack it deploys.
const (
	TagDeployment = "tend:deployment"
	TagProduct    = "tend:product"
	TagVersion    = "tend:version"
)

// CloudFormation's limits on a template: inline (TemplateBody), and read
// from S3 (TemplateURL).
const (
	MaxTemplateBody = 51200
	maxTemplateURL  = 1000000
)

// TemplateUploader puts a template too large for TemplateBody where
// CloudFormation reads it, and returns its TemplateURL (Uploader: S3).
type TemplateUploader interface {
	Upload(ctx context.Context, bucket, key string, body []byte) (string, error)
}

// ProviderOptions configure the deployment provider.
type ProviderOptions struct {
	// Clients returns the CloudFormation API of an account and region
	// (normally the default credentials, or a role assumed in account).
	Clients func(ctx context.Context, account, region string) (DeployAPI, error)
	// RollbackAlarms are the CloudWatch alarm ARNs given to every create
	// and update as the stack's RollbackConfiguration: CloudFormation
	// rolls the stack back itself when one goes off during the update or
	// the monitoring time after it. {account}, {region}, {stack} and
	// {deployment} are replaced.
	RollbackAlarms []string
	// MonitoringTime is how long CloudFormation watches the alarms after
	// an update (whole minutes, at most 3h; 0: only during it).
	MonitoringTime time.Duration
	// TemplateBucket, with Uploader, receives templates over 51,200 bytes
	// (CloudFormation's inline limit), under TemplatePrefix; the stacks
	// read them by TemplateURL. Without them such versions are refused.
	TemplateBucket string
	TemplatePrefix string
	Uploader       TemplateUploader
	// Poll is the interval between status checks while waiting (default 5s).
	Poll   time.Duration
	Logger *slog.Logger
}

// Provider runs each deployment as a CloudFormation stack: the first
// Apply creates it (CreateStack), later ones update it through a change
// set of type UPDATE (CreateChangeSet → ExecuteChangeSet), each waiting
// until the stack settles, with the configured RollbackConfiguration.
type Provider struct {
	o ProviderOptions
}

var _ fleet.Provider = (*Provider)(nil)

// NewProvider returns a deployment provider.
func NewProvider(o ProviderOptions) (*Provider, error) {
	if o.Clients == nil {
		return nil, errors.New("cfn provider: Clients is required")
	}
	if o.MonitoringTime < 0 || o.MonitoringTime > 3*time.Hour {
		return nil, fmt.Errorf("cfn provider: monitoring time %s must be between 0 and 3h", o.MonitoringTime)
	}
	for _, a := range o.RollbackAlarms {
		if !strings.HasPrefix(a, "arn:") || !strings.Contains(a, ":cloudwatch:") || !strings.Contains(a, ":alarm:") {
			return nil, fmt.Errorf("cfn provider: rollback alarm %q is not a CloudWatch alarm ARN (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME)", a)
		}
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Provider{o: o}, nil
}

func (p *Provider) client(ctx context.Context, d store.Deployment) (*Client, DeployAPI, error) {
	api, err := p.o.Clients(ctx, d.Account, d.Region)
	if err != nil {
		return nil, nil, fmt.Errorf("cloudformation client for account %s, region %s: %w", d.Account, d.Region, err)
	}
	return New(api, Options{Poll: p.o.Poll, Log: p.o.Logger}), api, nil
}

func stackName(d store.Deployment) string {
	if d.Stack != "" {
		return d.Stack
	}
	return fleet.StackName(d.Product, d.ID)
}

// Apply implements fleet.Provider.
func (p *Provider) Apply(ctx context.Context, d store.Deployment, v catalog.Version) (map[string]string, error) {
	if v.Format != catalog.FormatCFNYAML && v.Format != catalog.FormatCFNJSON {
		return nil, fmt.Errorf("version %d of %s is a %s template; the cfn provider deploys CloudFormation templates", v.Number, v.Product, v.Format)
	}
	switch {
	case len(v.Template) > maxTemplateURL:
		return nil, fmt.Errorf("version %d of %s: the template is %d bytes, over CloudFormation's limit of %d", v.Number, v.Product, len(v.Template), maxTemplateURL)
	case len(v.Template) > MaxTemplateBody && (p.o.Uploader == nil || p.o.TemplateBucket == ""):
		return nil, fmt.Errorf("version %d of %s: the template is %d bytes, over CloudFormation's inline limit of %d: set fleet.cfn_template_bucket to deploy it through S3",
			v.Number, v.Product, len(v.Template), MaxTemplateBody)
	}
	declared, err := templateParameters(v.Template)
	if err != nil {
		return nil, fmt.Errorf("version %d of %s: %w", v.Number, v.Product, err)
	}
	c, api, err := p.client(ctx, d)
	if err != nil {
		return nil, err
	}
	name := stackName(d)
	st, err := c.Stack(ctx, name)
	if err != nil {
		return nil, err
	}
	if st != nil && strings.HasSuffix(st.Status, "_IN_PROGRESS") {
		// A create or update started before (tend restarted): let it settle.
		if st, err = c.WaitStack(ctx, st.ID, nil); err != nil {
			return nil, err
		}
	}
	if st != nil {
		switch st.Status {
		case string(types.StackStatusRollbackComplete), string(types.StackStatusRollbackFailed), string(types.StackStatusCreateFailed):
			// A first create that failed leaves a stack that can only be
			// deleted: delete it and create again.
			p.o.Logger.Info("deleting a stack whose creation failed", "stack", name, "status", st.Status)
			if err := c.DeleteStack(ctx, st.ID, nil); err != nil {
				return nil, err
			}
			st = nil
		case string(types.StackStatusDeleteFailed), string(types.StackStatusUpdateRollbackFailed):
			return nil, fmt.Errorf("stack %s is %s (%s): fix it in CloudFormation, then retry", name, st.Status, st.StatusReason)
		}
	}
	in := p.inputs(d, v, name, declared, st)
	if len(v.Template) > MaxTemplateBody {
		// Content-addressed: the same version uploads to the same key, so
		// a retried apply overwrites it with the same bytes.
		sum := sha256.Sum256(v.Template)
		key := fmt.Sprintf("%s%s/v%d-%s.template", p.o.TemplatePrefix, v.Product, v.Number, hex.EncodeToString(sum[:8]))
		u, err := p.o.Uploader.Upload(ctx, p.o.TemplateBucket, key, v.Template)
		if err != nil {
			return nil, fmt.Errorf("version %d of %s: %w", v.Number, v.Product, err)
		}
		in.body, in.url = "", u
		p.o.Logger.Info("template uploaded for CloudFormation", "stack", name, "bytes", len(v.Template), "url", u)
	}
	if st == nil {
		return p.create(ctx, c, api, name, in)
	}
	return p.update(ctx, c, api, st, v, in)
}

// deployInput is what a create and an update share.
type deployInput struct {
	params   []types.Parameter
	tags     []types.Tag
	rollback *types.RollbackConfiguration
	body     string
	url      string // TemplateURL instead of body, for a template over the inline limit
	token    string
}

func (p *Provider) inputs(d store.Deployment, v catalog.Version, name string, declared []string, st *Stack) deployInput {
	known := map[string]string{
		ParamDeployment: d.ID, ParamType: d.Type, ParamTenants: strings.Join(d.Tenants, ","), ParamProduct: d.Product,
		ParamVersion: strconv.Itoa(v.Number), ParamStack: name, ParamAccount: d.Account, ParamRegion: d.Region,
	}
	had := map[string]bool{}
	if st != nil {
		for _, k := range st.Parameters {
			had[k] = true
		}
	}
	in := deployInput{body: string(v.Template), token: fmt.Sprintf("tend-%s-v%d-%d", d.ID, v.Number, d.Attempts)}
	if len(in.token) > 128 {
		in.token = in.token[:128]
	}
	for _, k := range declared {
		if val, ok := known[k]; ok {
			in.params = append(in.params, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(val)})
		} else if had[k] {
			in.params = append(in.params, types.Parameter{ParameterKey: aws.String(k), UsePreviousValue: aws.Bool(true)})
		}
	}
	in.tags = []types.Tag{
		{Key: aws.String(TagDeployment), Value: aws.String(d.ID)},
		{Key: aws.String(TagProduct), Value: aws.String(d.Product)},
		{Key: aws.String(TagVersion), Value: aws.String(strconv.Itoa(v.Number))},
	}
	if len(p.o.RollbackAlarms) > 0 || p.o.MonitoringTime > 0 {
		rc := &types.RollbackConfiguration{MonitoringTimeInMinutes: aws.Int32(int32(p.o.MonitoringTime / time.Minute))}
		r := strings.NewReplacer("{account}", d.Account, "{region}", d.Region, "{stack}", name, "{deployment}", d.ID)
		for _, a := range p.o.RollbackAlarms {
			rc.RollbackTriggers = append(rc.RollbackTriggers, types.RollbackTrigger{Arn: aws.String(r.Replace(a)), Type: aws.String("AWS::CloudWatch::Alarm")})
		}
		in.rollback = rc
	}
	return in
}

var capabilities = []types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityNamedIam, types.CapabilityCapabilityAutoExpand}

func (p *Provider) create(ctx context.Context, c *Client, api DeployAPI, name string, in deployInput) (map[string]string, error) {
	out, err := api.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: optional(in.body), TemplateURL: optional(in.url), Parameters: in.params, Tags: in.tags,
		Capabilities: capabilities, RollbackConfiguration: in.rollback, OnFailure: types.OnFailureRollback,
		ClientRequestToken: aws.String(in.token),
	})
	if err != nil {
		return nil, fmt.Errorf("create stack %s: %w", name, err)
	}
	st, err := c.WaitStack(ctx, aws.ToString(out.StackId), nil)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("create stack %s: the stack disappeared", name)
	}
	if st.Status != string(types.StackStatusCreateComplete) {
		return nil, p.failure(ctx, c, st, "create")
	}
	return outputs(st), nil
}

func (p *Provider) update(ctx context.Context, c *Client, api DeployAPI, st *Stack, v catalog.Version, in deployInput) (map[string]string, error) {
	name := st.Name
	csName := fmt.Sprintf("tend-v%d-%s", v.Number, strconv.FormatInt(time.Now().UnixNano(), 36))
	out, err := api.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String(name), ChangeSetName: aws.String(csName), ChangeSetType: types.ChangeSetTypeUpdate,
		TemplateBody: optional(in.body), TemplateURL: optional(in.url), Parameters: in.params, Tags: in.tags, Capabilities: capabilities,
		RollbackConfiguration: in.rollback, Description: aws.String(fmt.Sprintf("tend: %s version %d", v.Product, v.Number)),
	})
	if err != nil {
		return nil, fmt.Errorf("create change set for stack %s: %w", name, err)
	}
	id := aws.ToString(out.Id)
	cs, err := c.WaitChangeSet(ctx, name, id, nil)
	if errors.Is(err, ErrChangeSetFailed) && noChanges(cs.StatusReason) {
		// Already there: Apply is idempotent.
		if err := c.DeleteChangeSet(ctx, name, id); err != nil {
			p.o.Logger.Warn("delete empty change set", "stack", name, "err", err)
		}
		return outputs(st), nil
	}
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", name, err)
	}
	if err := c.ExecuteChangeSet(ctx, name, id); err != nil {
		return nil, fmt.Errorf("stack %s: %w", name, err)
	}
	final, err := c.WaitStack(ctx, st.ID, nil)
	if err != nil {
		return nil, err
	}
	if final == nil {
		return nil, fmt.Errorf("update stack %s: the stack disappeared", name)
	}
	if final.Status != string(types.StackStatusUpdateComplete) {
		return nil, p.failure(ctx, c, final, "update")
	}
	return outputs(final), nil
}

func noChanges(reason string) bool {
	return strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed")
}

// failure is the error of a create or update that did not complete,
// with the resources' failure reasons.
func (p *Provider) failure(ctx context.Context, c *Client, st *Stack, what string) error {
	msg := fmt.Sprintf("%s stack %s ended %s", what, st.Name, st.Status)
	if st.StatusReason != "" {
		msg += ": " + st.StatusReason
	}
	if reasons := c.FailureReasons(ctx, st.ID, 3); len(reasons) > 0 {
		msg += " (" + strings.Join(reasons, "; ") + ")"
	}
	return errors.New(msg)
}

func outputs(st *Stack) map[string]string {
	out := map[string]string{"stack_id": st.ID, "stack_status": st.Status}
	for k, v := range st.Outputs {
		out[k] = v
	}
	return out
}

// Remove implements fleet.Provider: with deleteResources it deletes the
// stack and waits until it is gone; without, it leaves the stack (and
// its data) as it is.
func (p *Provider) Remove(ctx context.Context, d store.Deployment, deleteResources bool) error {
	name := stackName(d)
	if !deleteResources {
		p.o.Logger.Info("deployment removed; its stack is left in place", "deployment", d.ID, "stack", name)
		return nil
	}
	c, _, err := p.client(ctx, d)
	if err != nil {
		return err
	}
	return c.DeleteStack(ctx, name, nil)
}

// templateParameters returns the names of a template's parameters (JSON
// or YAML, short-form intrinsics allowed).
func templateParameters(tmpl []byte) ([]string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(tmpl, &root); err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("read template: not a mapping")
	}
	top := root.Content[0]
	var out []string
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "Parameters" {
			continue
		}
		ps := top.Content[i+1]
		for j := 0; j+1 < len(ps.Content); j += 2 {
			out = append(out, ps.Content[j].Value)
		}
	}
	return out, nil
}

// optional is nil for "" (a field the request leaves out).
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
