package tfimport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/cloud/cfnstack"
)

// MaxTemplateBody is CloudFormation's limit on an inline TemplateBody;
// larger templates go through S3 (TemplateURL).
const MaxTemplateBody = cfnstack.MaxTemplateBody

// StackResource is one resource of an application boundary: what tend's
// insights group under the stack.
type StackResource struct {
	Type             string `json:"type"`
	LogicalID        string `json:"logicalId"`
	PhysicalID       string `json:"physicalId"`
	ARN              string `json:"arn,omitempty"`
	TerraformAddress string `json:"terraformAddress,omitempty"`
}

// BoundaryRegistrar records a stack as an application boundary in tend, so
// insights about its resources are grouped under it.
//
// Contract: RegisterStack is called once per successful deploy with every
// resource the stack holds afterwards (not only the ones just imported). It
// replaces any earlier registration of the same stack name, must be safe to
// call again with the same input, and returns an error only if the
// boundary was not recorded.
type BoundaryRegistrar interface {
	RegisterStack(ctx context.Context, stack string, resources []StackResource) error
}

// Boundary is the JSON document FileRegistrar writes.
type Boundary struct {
	Stack        string          `json:"stack"`
	Source       string          `json:"source"`
	RegisteredAt time.Time       `json:"registeredAt"`
	Resources    []StackResource `json:"resources"`
}

// FileRegistrar writes the boundary as a JSON file (atomically).
type FileRegistrar struct {
	Path string
	Now  func() time.Time
}

var _ BoundaryRegistrar = (*FileRegistrar)(nil)

// RegisterStack implements BoundaryRegistrar.
func (f *FileRegistrar) RegisterStack(_ context.Context, stack string, resources []StackResource) error {
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	b, err := RenderJSON(Boundary{Stack: stack, Source: "tend import terraform", RegisteredAt: now().UTC(), Resources: resources})
	if err != nil {
		return fmt.Errorf("render boundary: %w", err)
	}
	return WriteFileAtomic(f.Path, b, 0o644)
}

// Deployer creates or extends a stack by importing resources, then enrols it.
type Deployer struct {
	Stacks   *cfnstack.Client
	Uploader *cfnstack.Uploader // needed only for templates over MaxTemplateBody
	Guru     *cfnstack.Guru     // needed only with EnrollDevOpsGuru
	// Registrars receive the boundary after a successful import.
	Registrars []BoundaryRegistrar
	Progress   func(msg string)
	Now        func() time.Time
	Log        *slog.Logger
}

// DeployRequest says what to deploy where.
type DeployRequest struct {
	StackName         string
	Result            *Result
	S3Bucket          string
	S3Prefix          string
	DeleteFailedStack bool
	EnrollDevOpsGuru  bool
}

// DeployOutcome reports what a deploy did.
type DeployOutcome struct {
	StackID        string
	Status         string
	Imported       []string // logical IDs imported now
	AlreadyInStack []string // logical IDs the stack held already
	Resources      []StackResource
	Enrolled       bool
}

// ErrStackState is wrapped when the stack's status forbids an import.
var ErrStackState = errors.New("stack cannot take an import")

func (d *Deployer) progress(format string, a ...any) {
	if d.Progress != nil {
		d.Progress(fmt.Sprintf(format, a...))
	}
}

func (d *Deployer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Deploy imports req.Result's resources into the stack (creating it if
// needed), waits for IMPORT_COMPLETE, enrols the stack and registers the
// boundary.
func (d *Deployer) Deploy(ctx context.Context, req DeployRequest) (*DeployOutcome, error) {
	name := req.StackName
	st, err := d.Stacks.Stack(ctx, name)
	if err != nil {
		return nil, err
	}
	if st != nil {
		switch {
		case st.Status == "ROLLBACK_COMPLETE":
			if !req.DeleteFailedStack {
				return nil, fmt.Errorf("%w: stack %s is ROLLBACK_COMPLETE: its creation failed, it holds no resources and CloudFormation cannot update it; delete it (aws cloudformation delete-stack --stack-name %s) or rerun with --delete-failed-stack", ErrStackState, name, name)
			}
			d.progress("stack %s is ROLLBACK_COMPLETE; deleting it first (it holds no resources)", name)
			if err := d.Stacks.DeleteStack(ctx, name, func(s string) { d.progress("stack %s: %s", name, s) }); err != nil {
				return nil, err
			}
			st = nil
		case st.Status == "REVIEW_IN_PROGRESS":
			// Created by a change set never executed: it holds nothing yet.
		case strings.HasSuffix(st.Status, "_IN_PROGRESS"):
			return nil, fmt.Errorf("%w: stack %s is %s; wait until the operation finishes and run again", ErrStackState, name, st.Status)
		case strings.HasSuffix(st.Status, "_FAILED"):
			return nil, fmt.Errorf("%w: stack %s is %s (%s); fix it in the CloudFormation console first", ErrStackState, name, st.Status, st.StatusReason)
		}
	}
	body, imports, kept, previous, err := d.plan(ctx, st, req)
	if err != nil {
		return nil, err
	}
	out := &DeployOutcome{AlreadyInStack: kept}
	if len(imports) == 0 {
		d.progress("stack %s already holds all %d resources; nothing to import", name, len(kept))
		out.StackID, out.Status = st.ID, st.Status
	} else {
		if err := d.importResources(ctx, req, body, imports, previous, out); err != nil {
			return nil, err
		}
	}
	res, err := d.Stacks.Resources(ctx, name)
	if err != nil {
		return nil, err
	}
	out.Resources = boundaryResources(res, req.Result)
	if req.EnrollDevOpsGuru {
		if d.Guru == nil {
			return nil, fmt.Errorf("enrol stack %s: no DevOps Guru client configured", name)
		}
		if err := d.Guru.AddStacks(ctx, name); err != nil {
			return out, fmt.Errorf("stack %s holds its resources (%s) but was not enrolled: %w; run again with the same flags to retry (nothing is imported twice)", name, orStatus(out.Status), err)
		}
		out.Enrolled = true
		d.progress("stack %s enrolled in Amazon DevOps Guru", name)
	}
	for _, r := range d.Registrars {
		if err := r.RegisterStack(ctx, name, out.Resources); err != nil {
			return out, fmt.Errorf("stack %s holds its resources (%s) but its application boundary was not recorded: %w; run again with the same flags to retry", name, orStatus(out.Status), err)
		}
	}
	return out, nil
}

// plan merges the new resources into the stack's current template and picks
// the ones the stack does not hold yet.
func (d *Deployer) plan(ctx context.Context, st *cfnstack.Stack, req DeployRequest) ([]byte, []ResourceToImport, []string, []string, error) {
	tmpl, err := req.Result.Template.ToMap()
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("render template: %w", err)
	}
	if st == nil || st.Status == "REVIEW_IN_PROGRESS" {
		b, err := json.Marshal(tmpl)
		return b, req.Result.Imports, nil, nil, err
	}
	have, err := d.Stacks.Resources(ctx, req.StackName)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	body, err := d.Stacks.Template(ctx, req.StackName)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	current, err := ParseTemplate([]byte(body))
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("read the template of stack %s: %w", req.StackName, err)
	}
	byLogical := map[string]cfnstack.Resource{}
	byPhysical := map[string]string{}
	for _, r := range have {
		byLogical[r.LogicalID] = r
		byPhysical[r.Type+"|"+r.PhysicalID] = r.LogicalID
	}
	curRes, _ := current["Resources"].(map[string]any)
	if curRes == nil {
		curRes = map[string]any{}
		current["Resources"] = curRes
	}
	newRes, _ := tmpl["Resources"].(map[string]any)
	newParams, _ := tmpl["Parameters"].(map[string]any)
	var imports []ResourceToImport
	var kept []string
	var conflicts []string
	for _, imp := range req.Result.Imports {
		if _, ok := byPhysical[imp.ResourceType+"|"+physicalOf(imp)]; ok {
			kept = append(kept, imp.LogicalResourceID)
			continue
		}
		if r, ok := byLogical[imp.LogicalResourceID]; ok {
			conflicts = append(conflicts, fmt.Sprintf("%s (stack has %s %s)", imp.LogicalResourceID, r.Type, r.PhysicalID))
			continue
		}
		curRes[imp.LogicalResourceID] = newRes[imp.LogicalResourceID]
		imports = append(imports, imp)
	}
	if len(conflicts) > 0 {
		return nil, nil, nil, nil, fmt.Errorf("%w: logical IDs already name other resources in stack %s: %s", ErrStackState, req.StackName, strings.Join(conflicts, "; "))
	}
	// Parameters of the imported resources join the stack's own.
	previous := append([]string(nil), st.Parameters...)
	curParams, _ := current["Parameters"].(map[string]any)
	for _, imp := range imports {
		for _, ref := range refs(newRes[imp.LogicalResourceID]) {
			if p, ok := newParams[ref]; ok {
				if curParams == nil {
					curParams = map[string]any{}
					current["Parameters"] = curParams
				}
				curParams[ref] = p
			}
		}
	}
	b, err := json.Marshal(current)
	return b, imports, kept, previous, err
}

// physicalOf is the identifier value CloudFormation reports as the physical ID.
func physicalOf(imp ResourceToImport) string {
	keys := sortedKeys(imp.ResourceIdentifier)
	switch imp.ResourceType {
	case "AWS::ECS::Service":
		return imp.ResourceIdentifier["ServiceArn"]
	case "AWS::ApiGateway::Stage":
		return imp.ResourceIdentifier["StageName"]
	}
	if len(keys) == 0 {
		return ""
	}
	return imp.ResourceIdentifier[keys[0]]
}

func (d *Deployer) importResources(ctx context.Context, req DeployRequest, body []byte, imports []ResourceToImport, previous []string, out *DeployOutcome) error {
	name := req.StackName
	in := cfnstack.ImportChangeSet{
		StackName:     name,
		ChangeSetName: fmt.Sprintf("tend-import-%d", d.now().Unix()),
		Description:   "tend import terraform",
		UsePrevious:   previous,
		Parameters:    map[string]string{},
	}
	for _, imp := range imports {
		in.Resources = append(in.Resources, cfnstack.ImportResource{Type: imp.ResourceType, LogicalID: imp.LogicalResourceID, Identifier: imp.ResourceIdentifier})
	}
	var tmpl map[string]any
	if err := json.Unmarshal(body, &tmpl); err != nil {
		return fmt.Errorf("re-read merged template: %w", err)
	}
	params, _ := tmpl["Parameters"].(map[string]any)
	for k := range params {
		if v, ok := req.Result.Secrets[k]; ok {
			in.Parameters[k] = v
		}
	}
	in.UsePrevious = without(in.UsePrevious, in.Parameters)
	if len(body) > MaxTemplateBody {
		if req.S3Bucket == "" || d.Uploader == nil {
			return fmt.Errorf("the template is %d bytes, over CloudFormation's %d-byte TemplateBody limit: pass --s3-bucket to upload it", len(body), MaxTemplateBody)
		}
		key := strings.TrimLeft(req.S3Prefix+fmt.Sprintf("%s-%d.json", name, d.now().Unix()), "/")
		u, err := d.Uploader.Upload(ctx, req.S3Bucket, key, body)
		if err != nil {
			return err
		}
		d.progress("template (%d bytes) uploaded to s3://%s/%s", len(body), req.S3Bucket, key)
		in.TemplateURL = u
	} else {
		in.TemplateBody = string(body)
	}
	d.progress("creating IMPORT change set %s for %d resources in stack %s", in.ChangeSetName, len(imports), name)
	id, err := d.Stacks.CreateImportChangeSet(ctx, in)
	if err != nil {
		return err
	}
	cs, err := d.Stacks.WaitChangeSet(ctx, name, id, func(s string) { d.progress("change set: %s", s) })
	if err != nil {
		if cs != nil && cs.Status == "FAILED" {
			if derr := d.Stacks.DeleteChangeSet(ctx, name, id); derr != nil {
				d.logger().Warn("delete failed change set", "err", derr)
			}
			return fmt.Errorf("CloudFormation rejected the import into stack %s: %s (nothing was changed)", name, cs.StatusReason)
		}
		return err
	}
	if err := d.Stacks.ExecuteChangeSet(ctx, name, id); err != nil {
		return err
	}
	final, err := d.Stacks.WaitStack(ctx, name, func(s string) { d.progress("stack %s: %s", name, s) })
	if err != nil {
		return err
	}
	if final == nil {
		return fmt.Errorf("stack %s disappeared during the import", name)
	}
	out.StackID, out.Status = final.ID, final.Status
	if final.Status != "IMPORT_COMPLETE" {
		reasons := d.Stacks.FailureReasons(ctx, name, 5)
		return fmt.Errorf("import into stack %s ended %s: %s", name, final.Status, strings.Join(reasons, "; "))
	}
	for _, imp := range imports {
		out.Imported = append(out.Imported, imp.LogicalResourceID)
	}
	return nil
}

func orStatus(s string) string {
	if s == "" {
		return "unchanged"
	}
	return s
}

func without(l []string, drop map[string]string) []string {
	var out []string
	for _, k := range l {
		if _, ok := drop[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func (d *Deployer) logger() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

// boundaryResources joins the stack's resources with what state knew
// (ARN, Terraform address).
func boundaryResources(have []cfnstack.Resource, r *Result) []StackResource {
	byID := map[string]Converted{}
	if r != nil {
		for _, c := range r.Converted {
			byID[c.LogicalID] = c
		}
	}
	out := make([]StackResource, 0, len(have))
	for _, h := range have {
		sr := StackResource{Type: h.Type, LogicalID: h.LogicalID, PhysicalID: h.PhysicalID}
		if c, ok := byID[h.LogicalID]; ok {
			sr.ARN, sr.TerraformAddress = c.ARN, c.Address
		}
		if sr.ARN == "" && strings.HasPrefix(h.PhysicalID, "arn:") {
			sr.ARN = h.PhysicalID
		}
		out = append(out, sr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LogicalID < out[j].LogicalID })
	return out
}
