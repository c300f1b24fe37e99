package awstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// serveJSON handles awsJson1.1 requests: POST / with X-Amz-Target
// "<Service>.<Operation>" and a JSON body.
func (f *Fake) serveJSON(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", "awsJson1.1 requests are POSTs")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.1, got "+ct)
		return
	}
	service, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	var handler func(body []byte) (any, *apiError)
	switch service + "." + op {
	case "AmazonSSM.GetParameter":
		handler = f.getParameter
	case "AWS242ServiceCatalogService.DescribeProductAsAdmin":
		handler = f.describeProductAsAdmin
	case "AWS242ServiceCatalogService.ListProvisioningArtifacts":
		handler = f.listProvisioningArtifacts
	case "AWS242ServiceCatalogService.DescribeProvisioningArtifact":
		handler = f.describeProvisioningArtifact
	case "AWS242ServiceCatalogService.CreateProvisioningArtifact":
		handler = f.createProvisioningArtifact
	case "AWS242ServiceCatalogService.UpdateProvisioningArtifact":
		handler = f.updateProvisioningArtifact
	default:
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+r.Header.Get("X-Amz-Target"))
		return
	}
	flt, failing := f.begin(op)
	if failing && !flt.after {
		writeJSONError(w, flt.status, flt.code, "injected failure")
		return
	}
	out, aerr := handler(body)
	if failing {
		writeJSONError(w, flt.status, flt.code, "injected failure after acting")
		return
	}
	if aerr != nil {
		writeJSONError(w, aerr.status, aerr.code, aerr.msg)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", requestID())
	_ = json.NewEncoder(w).Encode(out)
}

type apiError struct {
	status    int
	code, msg string
}

func badParam(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidParametersException", fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf(format, args...)}
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", requestID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (f *Fake) getParameter(body []byte) (any, *apiError) {
	var in struct {
		Name           string
		WithDecryption bool
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	f.mu.Lock()
	p, ok := f.params[in.Name]
	f.mu.Unlock()
	if !ok {
		return nil, &apiError{http.StatusBadRequest, "ParameterNotFound", ""}
	}
	value := p.Value
	if p.Type == "SecureString" && !in.WithDecryption {
		value = "AQICAHh" + strings.Repeat("x", len(value))
	}
	return map[string]any{"Parameter": map[string]any{
		"Name": p.Name, "Type": p.Type, "Value": value, "Version": p.Version,
		"ARN":              fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", Region, Account, p.Name),
		"DataType":         "text",
		"LastModifiedDate": epoch(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)),
	}}, nil
}

func artifactDetail(a *Artifact) map[string]any {
	return map[string]any{
		"Id": a.ID, "Name": a.Name, "Description": a.Description, "Type": a.Type,
		"CreatedTime": epoch(a.CreatedTime), "Active": a.Active, "Guidance": a.Guidance,
	}
}

// product looks a product up by id; the caller holds f.mu.
func (f *Fake) product(id string) (*Product, *apiError) {
	if id == "" {
		return nil, badParam("ProductId is required")
	}
	p := f.products[id]
	if p == nil {
		return nil, notFound("Product %s not found.", id)
	}
	return p, nil
}

func (f *Fake) artifact(p *Product, id string) (*Artifact, *apiError) {
	for _, a := range p.Artifacts {
		if a.ID == id {
			return a, nil
		}
	}
	return nil, notFound("ProvisioningArtifact %s not found.", id)
}

func (f *Fake) describeProductAsAdmin(body []byte) (any, *apiError) {
	var in struct{ Id, Name string }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badParam("%v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, aerr := f.product(in.Id)
	if aerr != nil {
		return nil, aerr
	}
	sums := []map[string]any{}
	for _, a := range p.Artifacts {
		sums = append(sums, map[string]any{"Id": a.ID, "Name": a.Name, "Description": a.Description,
			"CreatedTime": epoch(a.CreatedTime), "ProvisioningArtifactMetadata": map[string]string{}})
	}
	return map[string]any{
		"ProductViewDetail": map[string]any{
			"ProductViewSummary": map[string]any{
				"Id": "prodview-" + p.ID[len("prod-"):], "ProductId": p.ID, "Name": p.Name, "Owner": p.Owner,
				"Type": "CLOUD_FORMATION_TEMPLATE", "HasDefaultPath": false,
			},
			"Status": "AVAILABLE", "ProductARN": p.ARN, "CreatedTime": epoch(p.CreatedAt),
		},
		"ProvisioningArtifactSummaries": sums,
		"Tags":                          []any{},
		"TagOptions":                    []any{},
		"Budgets":                       []any{},
	}, nil
}

func (f *Fake) listProvisioningArtifacts(body []byte) (any, *apiError) {
	var in struct{ ProductId string }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badParam("%v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, aerr := f.product(in.ProductId)
	if aerr != nil {
		return nil, aerr
	}
	details := []map[string]any{}
	for _, a := range p.Artifacts {
		details = append(details, artifactDetail(a))
	}
	return map[string]any{"ProvisioningArtifactDetails": details}, nil
}

func (f *Fake) describeProvisioningArtifact(body []byte) (any, *apiError) {
	var in struct{ ProductId, ProvisioningArtifactId string }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badParam("%v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, aerr := f.product(in.ProductId)
	if aerr != nil {
		return nil, aerr
	}
	a, aerr := f.artifact(p, in.ProvisioningArtifactId)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{
		"ProvisioningArtifactDetail": artifactDetail(a),
		"Info":                       map[string]string{"TemplateUrl": a.TemplateURL},
		"Status":                     "AVAILABLE",
	}, nil
}

func (f *Fake) createProvisioningArtifact(body []byte) (any, *apiError) {
	var in struct {
		ProductId  string
		Parameters *struct {
			Name, Description, Type   string
			Info                      map[string]string
			DisableTemplateValidation bool
		}
		IdempotencyToken string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badParam("%v", err)
	}
	if in.IdempotencyToken == "" || len(in.IdempotencyToken) > 128 || strings.Trim(in.IdempotencyToken,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		return nil, badParam("IdempotencyToken must be 1-128 characters of [a-zA-Z0-9_-]")
	}
	if in.Parameters == nil {
		return nil, badParam("Parameters is required")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, aerr := f.product(in.ProductId)
	if aerr != nil {
		return nil, aerr
	}
	if id, ok := f.tokens[p.ID+"/"+in.IdempotencyToken]; ok {
		a, _ := f.artifact(p, id)
		return map[string]any{"ProvisioningArtifactDetail": artifactDetail(a),
			"Info": map[string]string{"TemplateUrl": a.TemplateURL}, "Status": "CREATING"}, nil
	}
	src := in.Parameters.Info["LoadTemplateFromURL"]
	if src == "" {
		return nil, badParam("Parameters.Info must contain LoadTemplateFromURL or ImportFromPhysicalId")
	}
	if in.Parameters.Type != "" && in.Parameters.Type != "CLOUD_FORMATION_TEMPLATE" {
		return nil, badParam("Type %s is not supported for this product", in.Parameters.Type)
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(src, f.URL+"/"), "/")
	if !strings.HasPrefix(src, f.URL+"/") || !ok {
		return nil, badParam("Unable to load template from URL %s: not an object of this endpoint", src)
	}
	if _, ok := f.objects[bucket][unescapeKey(key)]; !ok {
		return nil, badParam("Unable to load template from URL %s: NoSuchKey", src)
	}
	a := &Artifact{ID: f.id("pa-", 13), Name: in.Parameters.Name, Description: in.Parameters.Description,
		Type: "CLOUD_FORMATION_TEMPLATE", Active: true, Guidance: "DEFAULT", CreatedTime: f.now(),
		TemplateURL: src, Token: in.IdempotencyToken}
	p.Artifacts = append(p.Artifacts, a)
	f.tokens[p.ID+"/"+in.IdempotencyToken] = a.ID
	return map[string]any{"ProvisioningArtifactDetail": artifactDetail(a),
		"Info": map[string]string{"TemplateUrl": a.TemplateURL}, "Status": "CREATING"}, nil
}

func (f *Fake) updateProvisioningArtifact(body []byte) (any, *apiError) {
	var in struct {
		ProductId, ProvisioningArtifactId, Name, Description, Guidance string
		Active                                                         *bool
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badParam("%v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, aerr := f.product(in.ProductId)
	if aerr != nil {
		return nil, aerr
	}
	a, aerr := f.artifact(p, in.ProvisioningArtifactId)
	if aerr != nil {
		return nil, aerr
	}
	switch in.Guidance {
	case "", "DEFAULT", "DEPRECATED":
	default:
		return nil, badParam("Guidance %q is not DEFAULT or DEPRECATED", in.Guidance)
	}
	if in.Name != "" {
		a.Name = in.Name
	}
	if in.Description != "" {
		a.Description = in.Description
	}
	if in.Guidance != "" {
		a.Guidance = in.Guidance
	}
	if in.Active != nil {
		a.Active = *in.Active
	}
	return map[string]any{"ProvisioningArtifactDetail": artifactDetail(a),
		"Info": map[string]string{"TemplateUrl": a.TemplateURL}, "Status": "AVAILABLE"}, nil
}
