package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru"
	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/cloud/cfnstack"
	"github.com/tendhq/tend/internal/tfimport"
)

var _ = registerCommand(newImportCmd)

// importBoundaryRegistrar returns the registrar that records imported stacks
// as application boundaries in tend's store (tests replace it). It is called
// once per deploy; a nil registrar means only the --boundary-out file is
// written.
var importBoundaryRegistrar = storeBoundaryRegistrar

type importOptions struct {
	state, dir, template, resources, boundaryOut string
	strict, validate, deploy, deleteFailed       bool
	stackName, enroll, endpoint, region          string
	s3Bucket, s3Prefix, description              string
	poll                                         time.Duration
}

func newImportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Bring resources managed elsewhere under a stack boundary tend can analyse",
	}
	cmd.AddCommand(newImportTerraformCmd(g))
	return cmd
}

func newImportTerraformCmd(g *globals) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "terraform",
		Short: "Turn Terraform state into an importable CloudFormation stack (every resource retained)",
		Long: `Reads Terraform state and writes a CloudFormation template that describes the
resources it manages (every one with DeletionPolicy and UpdateReplacePolicy
Retain, so nothing is ever deleted) plus the identifiers CloudFormation needs
to import each one. With --deploy it creates (or extends) the stack by import,
waits for IMPORT_COMPLETE and registers the stack as an application boundary;
--enroll devops-guru also adds it to Amazon DevOps Guru's analysed stacks.
It does not convert Terraform code. See docs/terraform-import.md.`,
		Example: `  tend import terraform --state terraform.tfstate --template stack.json --resources import.json
  terraform show -json | tend import terraform --state - --template stack.yaml
  tend import terraform -d ./infra --deploy --stack-name orders --enroll devops-guru --boundary-out orders.boundary.json
  tend import terraform --validate --template stack.json --resources import.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.validate {
				return runImportValidate(cmd, o)
			}
			return runImportTerraform(cmd.Context(), cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.state, "state", "", "Terraform state `FILE`: a terraform.tfstate (v4) or the output of terraform show -json; - reads stdin")
	f.StringVarP(&o.dir, "dir", "d", "", "Terraform working directory `DIR`; reads DIR/terraform.tfstate")
	f.StringVar(&o.template, "template", "", "write the CloudFormation template to `FILE` (.json, or .yaml/.yml for YAML)")
	f.StringVar(&o.resources, "resources", "", "write the resources to import to `FILE` (CloudFormation ResourcesToImport JSON)")
	f.BoolVar(&o.strict, "strict", false, "fail (and write nothing) if any managed resource cannot be converted")
	f.BoolVar(&o.validate, "validate", false, "check an existing --template (and --resources) offline against the bundled schemas")
	f.BoolVar(&o.deploy, "deploy", false, "create or extend --stack-name by importing the resources")
	f.StringVar(&o.stackName, "stack-name", "", "CloudFormation stack `NAME` to import into (with --deploy)")
	f.StringVar(&o.enroll, "enroll", "", "after the import, enrol the stack for analysis: devops-guru")
	f.StringVar(&o.boundaryOut, "boundary-out", "", "write the stack's application boundary (resources, physical IDs, ARNs) as JSON to `FILE`")
	f.StringVar(&o.endpoint, "endpoint-url", "", "AWS endpoint override for CloudFormation, S3 and DevOps Guru (default: AWS_ENDPOINT_URL or AWS)")
	f.StringVar(&o.region, "region", "", "AWS region (default: AWS_REGION / AWS config)")
	f.StringVar(&o.s3Bucket, "s3-bucket", "", "S3 bucket for templates over 51,200 bytes")
	f.StringVar(&o.s3Prefix, "s3-prefix", "tend/", "key prefix in --s3-bucket")
	f.BoolVar(&o.deleteFailed, "delete-failed-stack", false, "delete --stack-name first if it is ROLLBACK_COMPLETE (a failed create holds no resources)")
	f.StringVar(&o.description, "description", "", "template Description (default names the state file)")
	f.DurationVar(&o.poll, "poll-interval", 5*time.Second, "how often to check change set and stack status while deploying")
	return cmd
}

func runImportValidate(cmd *cobra.Command, o *importOptions) error {
	if o.template == "" {
		return errors.New("--validate needs --template FILE (the template to check)")
	}
	schemas, err := tfimport.LoadSchemas()
	if err != nil {
		return err
	}
	b, err := readLimited(o.template)
	if err != nil {
		return err
	}
	t, err := tfimport.ParseTemplate(b)
	if err != nil {
		return fmt.Errorf("%s: %w", o.template, err)
	}
	var imports []tfimport.ResourceToImport
	if o.resources != "" {
		rb, err := readLimited(o.resources)
		if err != nil {
			return err
		}
		if imports, err = tfimport.ParseResources(rb); err != nil {
			return fmt.Errorf("%s: %w", o.resources, err)
		}
	}
	probs := schemas.CheckTemplate(t, imports)
	out := cmd.OutOrStdout()
	res, _ := t["Resources"].(map[string]any)
	if len(probs) == 0 {
		fmt.Fprintf(out, "%s: OK, %d resources valid against the CloudFormation schemas", o.template, len(res))
		if o.resources != "" {
			fmt.Fprintf(out, "; %s: %d import identifiers match", o.resources, len(imports))
		}
		fmt.Fprintln(out)
		return nil
	}
	for _, p := range probs {
		fmt.Fprintf(out, "%s: %s\n", o.template, p)
	}
	return fmt.Errorf("%s: %d problems found (listed above)", o.template, len(probs))
}

// maxInputFile bounds templates and resources files read by --validate.
const maxInputFile = 64 << 20

func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInputFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxInputFile {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxInputFile>>20)
	}
	return b, nil
}

func (o *importOptions) check() error {
	switch {
	case o.state == "" && o.dir == "":
		return errors.New("no state given: pass --state FILE (or - for stdin) or -d DIR")
	case o.state != "" && o.dir != "":
		return errors.New("pass either --state or -d, not both")
	case o.template == "" && o.resources == "" && !o.deploy:
		return errors.New("nothing to do: pass --template FILE and --resources FILE, or --deploy --stack-name NAME")
	case o.deploy && o.stackName == "":
		return errors.New("--deploy needs --stack-name NAME")
	case !o.deploy && (o.stackName != "" || o.enroll != "" || o.boundaryOut != ""):
		return errors.New("--stack-name, --enroll and --boundary-out take effect with --deploy")
	case o.enroll != "" && o.enroll != "devops-guru":
		return fmt.Errorf("--enroll %q: the only enrolment target is devops-guru", o.enroll)
	case o.template != "" && o.template == o.resources:
		return errors.New("--template and --resources must be different files")
	}
	return nil
}

func runImportTerraform(ctx context.Context, cmd *cobra.Command, g *globals, o *importOptions) error {
	if err := o.check(); err != nil {
		return err
	}
	st, source, err := readImportState(cmd, o)
	if err != nil {
		return err
	}
	schemas, err := tfimport.LoadSchemas()
	if err != nil {
		return err
	}
	// The stack's region: resources elsewhere cannot be imported into it.
	region := o.region
	var cfg aws.Config
	if o.deploy {
		if cfg, err = loadAWSConfig(ctx, o.region, o.endpoint); err != nil {
			return err
		}
		region = cfg.Region
	}
	desc := o.description
	if desc == "" {
		desc = "Resources imported by tend from Terraform state " + source + " (every resource retained)"
	}
	res := tfimport.NewConverter(schemas, nil).Convert(st, tfimport.Options{Description: desc, Region: region})
	printImportReport(cmd.OutOrStdout(), st, res)
	if skipped := res.Unconverted(); o.strict && len(skipped) > 0 {
		return fmt.Errorf("--strict: %d managed resources not converted (listed above); nothing written", len(skipped))
	}
	if len(res.Imports) == 0 {
		return fmt.Errorf("no resources to import from %s; nothing written", source)
	}
	if err := writeImportOutputs(o, res); err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout())
	for _, f := range []struct{ name, what string }{{o.template, "template"}, {o.resources, "resources to import"}} {
		if f.name != "" {
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote the %s to %s (%d resources).\n", f.what, f.name, len(res.Imports))
		}
	}
	if !o.deploy {
		return nil
	}
	return deployImport(ctx, cmd, g, o, cfg, res)
}

func readImportState(cmd *cobra.Command, o *importOptions) (*tfimport.State, string, error) {
	var r io.Reader
	source := o.state
	switch {
	case o.state == "-":
		r, source = cmd.InOrStdin(), "(stdin)"
	case o.dir != "":
		source = filepath.Join(o.dir, "terraform.tfstate")
		f, err := os.Open(source)
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", fmt.Errorf("no terraform.tfstate in %s (a remote backend? run `terraform state pull > state.json` there and pass --state state.json)", o.dir)
		}
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r = f
	default:
		f, err := os.Open(o.state)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	st, err := tfimport.ReadState(r)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", source, err)
	}
	return st, source, nil
}

// writeImportOutputs writes every output file or none.
func writeImportOutputs(o *importOptions, res *tfimport.Result) error {
	files := map[string][]byte{}
	if o.template != "" {
		b, err := tfimport.RenderTemplate(res.Template, tfimport.IsYAML(o.template))
		if err != nil {
			return fmt.Errorf("render template: %w", err)
		}
		files[o.template] = b
	}
	if o.resources != "" {
		b, err := tfimport.RenderJSON(res.Imports)
		if err != nil {
			return fmt.Errorf("render resources: %w", err)
		}
		files[o.resources] = b
	}
	return tfimport.WriteFilesAtomic(files, 0o644)
}

func printImportReport(w io.Writer, st *tfimport.State, res *tfimport.Result) {
	fmt.Fprintf(w, "Read %d resource instances (%s, Terraform %s); %d converted, %d not converted.\n",
		len(st.Resources), st.Format, dash(st.TerraformVersion), len(res.Converted), len(res.Unconverted()))
	if len(res.Converted) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\nLOGICAL ID\tTYPE\tTERRAFORM ADDRESS")
		for _, c := range res.Converted {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.LogicalID, c.Type, c.Address)
		}
		_ = tw.Flush()
	}
	var notes []string
	for _, c := range res.Converted {
		for _, n := range c.Notes {
			notes = append(notes, c.Address+": "+n)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nLeft out of the template:")
		for _, n := range notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
	if len(res.Secrets) > 0 {
		fmt.Fprintf(w, "\n%d sensitive value(s) became NoEcho parameters; they are not in any file (a deploy from this run passes them).\n", len(res.Secrets))
	}
	if len(res.Skipped) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\nNOT CONVERTED\tKIND\tREASON")
		for _, s := range res.Skipped {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Address, s.Kind, s.Reason)
		}
		_ = tw.Flush()
	}
}

func deployImport(ctx context.Context, cmd *cobra.Command, g *globals, o *importOptions, cfg aws.Config, res *tfimport.Result) error {
	errw := cmd.ErrOrStderr()
	logger := slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d := &tfimport.Deployer{
		Stacks:   cfnstack.New(cloudformation.NewFromConfig(cfg), cfnstack.Options{Poll: o.poll, Log: logger}),
		Progress: func(msg string) { fmt.Fprintf(errw, "%s  %s\n", time.Now().UTC().Format("15:04:05"), msg) },
		Log:      logger,
	}
	if o.s3Bucket != "" {
		d.Uploader = cfnstack.NewS3Uploader(cfg)
	}
	if o.enroll == "devops-guru" {
		d.Guru = cfnstack.NewGuru(devopsguru.NewFromConfig(cfg))
	}
	if importBoundaryRegistrar != nil {
		r, err := importBoundaryRegistrar(cmd, g)
		if err != nil {
			return fmt.Errorf("open the boundary registry: %w", err)
		}
		if r != nil {
			d.Registrars = append(d.Registrars, r)
		}
	}
	if o.boundaryOut != "" {
		d.Registrars = append(d.Registrars, &tfimport.FileRegistrar{Path: o.boundaryOut})
	}
	if len(d.Registrars) == 0 {
		fmt.Fprintln(errw, "note: no boundary registry is configured and --boundary-out is not set; the stack's boundary is not recorded")
	}
	out, err := d.Deploy(ctx, tfimport.DeployRequest{
		StackName: o.stackName, Result: res, S3Bucket: o.s3Bucket, S3Prefix: o.s3Prefix,
		DeleteFailedStack: o.deleteFailed, EnrollDevOpsGuru: o.enroll == "devops-guru",
	})
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "\nStack %s: %s; %d resources imported now, %d already in the stack; %d resources in its boundary.\n",
		o.stackName, dash(out.Status), len(out.Imported), len(out.AlreadyInStack), len(out.Resources))
	if out.Enrolled {
		fmt.Fprintf(w, "Enrolled in Amazon DevOps Guru (CloudFormation stack %s).\n", o.stackName)
	}
	if o.boundaryOut != "" {
		fmt.Fprintf(w, "Boundary written to %s.\n", o.boundaryOut)
	}
	return nil
}

// loadAWSConfig loads the SDK's default configuration (environment, shared
// files, roles); endpoint overrides AWS_ENDPOINT_URL for every service.
func loadAWSConfig(ctx context.Context, region, endpoint string) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	if endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(endpoint))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: pass --region or set AWS_REGION")
	}
	if ep := aws.ToString(cfg.BaseEndpoint); ep != "" && !strings.HasPrefix(ep, "http") {
		return aws.Config{}, fmt.Errorf("endpoint URL %q must start with http:// or https://", ep)
	}
	return cfg, nil
}
