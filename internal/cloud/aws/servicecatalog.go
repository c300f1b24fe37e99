package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/tendhq/tend/internal/catalog"
)

var _ catalog.Catalog = (*Catalog)(nil)

// ServiceCatalogAPI is the part of the Service Catalog client Catalog uses.
type ServiceCatalogAPI interface {
	DescribeProductAsAdmin(ctx context.Context, in *servicecatalog.DescribeProductAsAdminInput, opts ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProductAsAdminOutput, error)
	ListProvisioningArtifacts(ctx context.Context, in *servicecatalog.ListProvisioningArtifactsInput, opts ...func(*servicecatalog.Options)) (*servicecatalog.ListProvisioningArtifactsOutput, error)
	DescribeProvisioningArtifact(ctx context.Context, in *servicecatalog.DescribeProvisioningArtifactInput, opts ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProvisioningArtifactOutput, error)
	CreateProvisioningArtifact(ctx context.Context, in *servicecatalog.CreateProvisioningArtifactInput, opts ...func(*servicecatalog.Options)) (*servicecatalog.CreateProvisioningArtifactOutput, error)
	UpdateProvisioningArtifact(ctx context.Context, in *servicecatalog.UpdateProvisioningArtifactInput, opts ...func(*servicecatalog.Options)) (*servicecatalog.UpdateProvisioningArtifactOutput, error)
}

// Catalog is AWS Service Catalog as a catalog.Catalog. A product is named
// by its id (prod-…) or its ARN (the aws:servicecatalog:productArn tag of
// an instance it launched); its versions are the product's provisioning
// artifacts, numbered in creation order. Templates are read from the URL
// DescribeProvisioningArtifact reports and published by uploading them to
// the configured S3 bucket and calling CreateProvisioningArtifact with
// LoadTemplateFromURL.
type Catalog struct {
	sc        ServiceCatalogAPI
	templates *templateStore
	log       *slog.Logger
}

// NewCatalog returns a Catalog using the given clients. bucket and prefix
// say where Publish uploads templates; endpoint is the custom endpoint URL
// ("" for AWS), region the region of the bucket.
func NewCatalog(sc ServiceCatalogAPI, s3api S3API, bucket, prefix, region, endpoint string, logger *slog.Logger) *Catalog {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Catalog{sc: sc, log: logger, templates: &templateStore{
		s3: s3api, bucket: bucket, prefix: prefix, region: region, endpoint: strings.TrimRight(endpoint, "/"),
	}}
}

// Kind is "servicecatalog".
func (c *Catalog) Kind() string { return "servicecatalog" }

var productIDRe = regexp.MustCompile(`^prod-[a-z0-9]{8,32}$`)

// ProductID returns the product id of a product id or ARN
// (arn:aws:catalog:eu-west-1:123456789012:product/prod-abcdefgh12345).
func ProductID(product string) (string, error) {
	id := strings.TrimSpace(product)
	if strings.HasPrefix(id, "arn:") {
		parts := strings.SplitN(id, ":", 6)
		if len(parts) != 6 || parts[2] != "catalog" || !strings.HasPrefix(parts[5], "product/") {
			return "", fmt.Errorf("product %q: not a Service Catalog product ARN (arn:aws:catalog:REGION:ACCOUNT:product/prod-…)", product)
		}
		id = strings.TrimPrefix(parts[5], "product/")
	}
	if !productIDRe.MatchString(id) {
		return "", fmt.Errorf("product %q: not a Service Catalog product id (prod-…) or ARN", product)
	}
	return id, nil
}

// productID resolves product and checks that an ARN names this catalog's
// region: Service Catalog products are regional.
func (c *Catalog) productID(product string) (string, error) {
	id, err := ProductID(product)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(product, "arn:") {
		if region := strings.SplitN(product, ":", 6)[3]; region != "" && c.templates.region != "" && region != c.templates.region {
			return "", fmt.Errorf("product %s is in region %s but tend's AWS region is %s: set aws region to %s (one tend AWS configuration serves one region)", product, region, c.templates.region, region)
		}
	}
	return id, nil
}

// keyTrailer marks the idempotency token in an artifact's description, so a
// Publish retried after AWS forgot the IdempotencyToken still finds the
// version it created.
const keyTrailerPrefix = "\n\n[tend idempotency key: "

var keyTrailerRe = regexp.MustCompile(`\n\n\[tend idempotency key: ([a-zA-Z0-9_-]{1,128})\]$`)

func splitDescription(d string) (desc, token string) {
	if m := keyTrailerRe.FindStringSubmatchIndex(d); m != nil {
		return d[:m[0]], d[m[2]:m[3]]
	}
	return d, ""
}

// maxDescription is Service Catalog's limit for an artifact description.
const maxDescription = 8192

// Versions lists a product's provisioning artifacts in creation order,
// numbered from 1, without templates. Deprecated (Guidance DEPRECATED) and
// inactive artifacts have Active false.
func (c *Catalog) Versions(ctx context.Context, product string) ([]catalog.Version, error) {
	id, err := c.productID(product)
	if err != nil {
		return nil, err
	}
	vs, err := c.versions(ctx, product, id)
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", id, err)
	}
	return vs, nil
}

func (c *Catalog) versions(ctx context.Context, product, id string) ([]catalog.Version, error) {
	var details []types.ProvisioningArtifactDetail
	out, err := c.sc.ListProvisioningArtifacts(ctx, &servicecatalog.ListProvisioningArtifactsInput{ProductId: awssdk.String(id)})
	if err != nil {
		return nil, scError("ListProvisioningArtifacts", err)
	}
	details = append(details, out.ProvisioningArtifactDetails...)
	sort.SliceStable(details, func(i, j int) bool {
		ti, tj := timeOf(details[i].CreatedTime), timeOf(details[j].CreatedTime)
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return deref(details[i].Id) < deref(details[j].Id)
	})
	vs := make([]catalog.Version, len(details))
	for i, d := range details {
		desc, token := splitDescription(deref(d.Description))
		vs[i] = catalog.Version{
			Product:        product,
			ID:             deref(d.Id),
			Number:         i + 1,
			Name:           deref(d.Name),
			Description:    desc,
			Active:         awssdk.ToBool(d.Active) && d.Guidance != types.ProvisioningArtifactGuidanceDeprecated,
			CreatedAt:      timeOf(d.CreatedTime),
			IdempotencyKey: token,
		}
	}
	return vs, nil
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// Latest returns the highest-numbered active version with its template.
func (c *Catalog) Latest(ctx context.Context, product string) (catalog.Version, error) {
	id, err := c.productID(product)
	if err != nil {
		return catalog.Version{}, err
	}
	vs, err := c.versions(ctx, product, id)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("latest version of %s: %w", id, err)
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Active {
			return c.withTemplate(ctx, id, vs[i])
		}
	}
	return catalog.Version{}, fmt.Errorf("latest version of %s: no active provisioning artifact: %w", id, catalog.ErrNotFound)
}

// Version returns one version with its template. id is a provisioning
// artifact id (pa-…), an artifact name, or "v" and a version number.
func (c *Catalog) Version(ctx context.Context, product, id string) (catalog.Version, error) {
	pid, err := c.productID(product)
	if err != nil {
		return catalog.Version{}, err
	}
	vs, err := c.versions(ctx, product, pid)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("version %s of %s: %w", id, pid, err)
	}
	if v, ok := findVersion(vs, id); ok {
		return c.withTemplate(ctx, pid, v)
	}
	return catalog.Version{}, fmt.Errorf("version %q of %s: %w", id, pid, catalog.ErrNotFound)
}

func findVersion(vs []catalog.Version, id string) (catalog.Version, bool) {
	for _, v := range vs {
		if v.ID == id {
			return v, true
		}
	}
	for _, v := range vs {
		if v.Name == id {
			return v, true
		}
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(id, "v")); err == nil && n >= 1 && n <= len(vs) && strings.HasPrefix(id, "v") {
		return vs[n-1], true
	}
	return catalog.Version{}, false
}

// withTemplate loads a version's template from its TemplateUrl.
func (c *Catalog) withTemplate(ctx context.Context, productID string, v catalog.Version) (catalog.Version, error) {
	out, err := c.sc.DescribeProvisioningArtifact(ctx, &servicecatalog.DescribeProvisioningArtifactInput{
		ProductId:              awssdk.String(productID),
		ProvisioningArtifactId: awssdk.String(v.ID),
	})
	if err != nil {
		return catalog.Version{}, fmt.Errorf("describe %s of %s: %w", v.ID, productID, scError("DescribeProvisioningArtifact", err))
	}
	u := out.Info["TemplateUrl"]
	if u == "" {
		return catalog.Version{}, fmt.Errorf("describe %s of %s: no TemplateUrl in the artifact's info", v.ID, productID)
	}
	body, err := c.templates.fetch(ctx, u)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("template of %s (%s): %w", productID, v.ID, err)
	}
	v.Template = body
	v.Format = DetectFormat(body)
	return v, nil
}

// Publish uploads the template to s3://TemplateBucket/TemplatePrefix
// <product>/<token>.<ext> and creates provisioning artifact v<N+1> from it,
// with IdempotencyToken = IdempotencyToken(p.IdempotencyKey) and the token
// recorded at the end of the description. A Publish with a token an
// existing artifact carries returns that artifact and creates nothing. An
// empty IdempotencyKey is derived from the product, template and
// description, so an identical Publish is not repeated either.
func (c *Catalog) Publish(ctx context.Context, product string, p catalog.Publish) (catalog.Version, error) {
	id, err := c.productID(product)
	if err != nil {
		return catalog.Version{}, err
	}
	if err := c.checkPublish(&p); err != nil {
		return catalog.Version{}, fmt.Errorf("publish %s: %w", id, err)
	}
	key := p.IdempotencyKey
	if key == "" {
		sum := sha256.Sum256([]byte(id + "\x00" + string(p.Template) + "\x00" + p.Description))
		key = "tend-" + hex.EncodeToString(sum[:])
	}
	token := IdempotencyToken(key)

	if _, err := c.sc.DescribeProductAsAdmin(ctx, &servicecatalog.DescribeProductAsAdminInput{Id: awssdk.String(id)}); err != nil {
		return catalog.Version{}, fmt.Errorf("publish %s: %w", id, scError("DescribeProductAsAdmin", err))
	}
	vs, err := c.versions(ctx, product, id)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("publish %s: %w", id, err)
	}
	for _, v := range vs {
		if v.IdempotencyKey == token {
			c.log.InfoContext(ctx, "service catalog version already published", "product", id, "artifact", v.ID, "idempotency_token", token)
			return c.withTemplate(ctx, id, v)
		}
	}
	var previous *catalog.Version
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Active {
			previous = &vs[i]
			break
		}
	}

	objKey := c.templates.key(id, token, p.Format)
	if err := c.templates.put(ctx, objKey, p.Template, p.Format); err != nil {
		return catalog.Version{}, fmt.Errorf("publish %s: %w", id, err)
	}
	name := fmt.Sprintf("v%d", len(vs)+1)
	out, err := c.sc.CreateProvisioningArtifact(ctx, &servicecatalog.CreateProvisioningArtifactInput{
		ProductId:        awssdk.String(id),
		IdempotencyToken: awssdk.String(token),
		Parameters: &types.ProvisioningArtifactProperties{
			Name:        awssdk.String(name),
			Description: awssdk.String(p.Description + keyTrailerPrefix + token + "]"),
			Type:        types.ProvisioningArtifactTypeCloudFormationTemplate,
			Info:        map[string]string{"LoadTemplateFromURL": c.templates.url(objKey)},
		},
	})
	if err != nil {
		return catalog.Version{}, fmt.Errorf("publish %s: %w", id, scError("CreateProvisioningArtifact", err))
	}
	d := out.ProvisioningArtifactDetail
	if d == nil || d.Id == nil {
		return catalog.Version{}, fmt.Errorf("publish %s: CreateProvisioningArtifact returned no artifact", id)
	}
	c.log.InfoContext(ctx, "service catalog version published", "product", id, "artifact", *d.Id, "name", name, "idempotency_token", token)

	if p.DeprecatePrevious && previous != nil && previous.ID != *d.Id {
		_, err := c.sc.UpdateProvisioningArtifact(ctx, &servicecatalog.UpdateProvisioningArtifactInput{
			ProductId:              awssdk.String(id),
			ProvisioningArtifactId: awssdk.String(previous.ID),
			Guidance:               types.ProvisioningArtifactGuidanceDeprecated,
		})
		if err != nil {
			return catalog.Version{}, fmt.Errorf("publish %s: created %s but could not deprecate %s: %w", id, *d.Id, previous.ID, scError("UpdateProvisioningArtifact", err))
		}
	}
	desc, _ := splitDescription(deref(d.Description))
	return catalog.Version{
		Product:        product,
		ID:             *d.Id,
		Number:         len(vs) + 1,
		Name:           deref(d.Name),
		Description:    desc,
		Template:       p.Template,
		Format:         p.Format,
		Active:         true,
		CreatedAt:      timeOf(d.CreatedTime),
		IdempotencyKey: token,
	}, nil
}

func (c *Catalog) checkPublish(p *catalog.Publish) error {
	switch {
	case len(p.Template) == 0:
		return errors.New("template is empty")
	case len(p.Template) > MaxTemplateBytes:
		return fmt.Errorf("template is %d bytes; CloudFormation accepts at most %d", len(p.Template), MaxTemplateBytes)
	case c.templates.bucket == "":
		return errors.New("no template bucket configured (aws template_bucket): Service Catalog loads new versions from S3")
	}
	switch p.Format {
	case "":
		p.Format = DetectFormat(p.Template)
	case catalog.FormatCFNJSON, catalog.FormatCFNYAML:
	default:
		return fmt.Errorf("format %q: Service Catalog products here take CloudFormation (cfn-yaml, cfn-json)", p.Format)
	}
	if max := maxDescription - len(keyTrailerPrefix) - 128 - 1; len(p.Description) > max {
		return fmt.Errorf("description is %d bytes; at most %d fit", len(p.Description), max)
	}
	return nil
}

// scError wraps a Service Catalog error, mapping ResourceNotFoundException
// to catalog.ErrNotFound.
func scError(op string, err error) error {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return fmt.Errorf("%s: %w: %s", op, catalog.ErrNotFound, nf.ErrorMessage())
	}
	return fmt.Errorf("%s: %w", op, err)
}
