// Package cfnfake holds in-memory fakes of AWS CloudFormation (query
// protocol: form-encoded Action=..., XML responses), S3 (REST PutObject)
// and Amazon DevOps Guru (REST-JSON) as http.Handlers, for httptest servers
// driven by the real aws-sdk-go-v2 clients. They model what
// `tend import terraform --deploy` relies on: change sets of type IMPORT
// that complete asynchronously, stacks that move through IMPORT_IN_PROGRESS,
// ROLLBACK_COMPLETE stacks that cannot be updated, and injected failures.
package cfnfake

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

const cfnNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// StackResource is a resource a fake stack holds.
type StackResource struct {
	LogicalID, PhysicalID, Type string
}

// Stack is a fake stack.
type Stack struct {
	Name, ID, Status, Reason string
	Template                 string
	Parameters               map[string]string
	Resources                []StackResource
	Events                   []Event
}

// Event is a stack event.
type Event struct{ LogicalID, Status, Reason string }

type changeSet struct {
	id, name, stack, status, reason string
	polls                           int
	template                        string
	params                          map[string]string
	usePrevious                     []string
	imports                         []StackResource
}

// CloudFormation is a fake CloudFormation endpoint.
type CloudFormation struct {
	mu         sync.Mutex
	stacks     map[string]*Stack
	changeSets map[string]*changeSet
	seq        int

	// FailChangeSet, when set, makes every change set end FAILED with it.
	FailChangeSet string
	// FailImport, when set, makes execution end IMPORT_ROLLBACK_COMPLETE
	// with this reason on the first resource.
	FailImport string
	// FetchTemplate resolves a TemplateURL (wire it to the fake S3).
	FetchTemplate func(url string) (string, bool)
	// Calls records each Action received, in order.
	Calls []string
	// Requests records the form of each CreateChangeSet.
	Requests []url.Values
}

// NewCloudFormation returns an empty fake.
func NewCloudFormation() *CloudFormation {
	return &CloudFormation{stacks: map[string]*Stack{}, changeSets: map[string]*changeSet{}}
}

// PutStack adds or replaces a stack (test setup).
func (f *CloudFormation) PutStack(s Stack) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.ID == "" {
		s.ID = stackID(s.Name)
	}
	f.stacks[s.Name] = &s
}

// Stack returns a copy of a stack, if present.
func (f *CloudFormation) Stack(name string) (Stack, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.stacks[name]
	if !ok {
		return Stack{}, false
	}
	return *s, true
}

func stackID(name string) string {
	return "arn:aws:cloudformation:us-east-1:123456789012:stack/" + name + "/6b8e2a10-0000-11ef-9a6e-0a1b2c3d4e5f"
}

func (f *CloudFormation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		queryError(w, http.StatusMethodNotAllowed, "Sender", "InvalidAction", "query API requests are POSTs")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		queryError(w, http.StatusBadRequest, "Sender", "InvalidParameterValue", "Content-Type must be application/x-www-form-urlencoded, got "+ct)
		return
	}
	if err := r.ParseForm(); err != nil {
		queryError(w, http.StatusBadRequest, "Sender", "MalformedQueryString", err.Error())
		return
	}
	form := r.PostForm
	if form.Get("Version") != "2010-05-15" {
		queryError(w, http.StatusBadRequest, "Sender", "InvalidParameterValue", "unsupported Version "+form.Get("Version"))
		return
	}
	if !strings.Contains(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
		queryError(w, http.StatusForbidden, "Sender", "MissingAuthenticationToken", "request is not signed")
		return
	}
	action := form.Get("Action")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls = append(f.Calls, action)
	var body string
	var err *apiError
	switch action {
	case "DescribeStacks":
		body, err = f.describeStacks(form)
	case "ListStackResources":
		body, err = f.listStackResources(form)
	case "GetTemplate":
		body, err = f.getTemplate(form)
	case "CreateChangeSet":
		f.Requests = append(f.Requests, form)
		body, err = f.createChangeSet(form)
	case "DescribeChangeSet":
		body, err = f.describeChangeSet(form)
	case "ExecuteChangeSet":
		body, err = f.executeChangeSet(form)
	case "DeleteChangeSet":
		body, err = f.deleteChangeSet(form)
	case "DeleteStack":
		body, err = f.deleteStack(form)
	case "DescribeStackEvents":
		body, err = f.describeStackEvents(form)
	default:
		err = &apiError{400, "InvalidAction", "The action " + action + " is not valid for this web service."}
	}
	if err != nil {
		queryError(w, err.status, "Sender", err.code, err.msg)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, cfnNS, action, body, action, f.requestID(), action)
}

type apiError struct {
	status    int
	code, msg string
}

func validation(format string, a ...any) *apiError {
	return &apiError{400, "ValidationError", fmt.Sprintf(format, a...)}
}

func (f *CloudFormation) requestID() string {
	f.seq++
	return fmt.Sprintf("5ccc7dcd-744c-11e5-be70-%012d", f.seq)
}

func queryError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>b0e91b7c-0000-11ef-0000-000000000000</RequestId></ErrorResponse>`,
		cfnNS, typ, esc(code), esc(msg))
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// lookup finds a stack by name or ID.
func (f *CloudFormation) lookup(nameOrID string) *Stack {
	if s, ok := f.stacks[nameOrID]; ok {
		return s
	}
	for _, s := range f.stacks {
		if s.ID == nameOrID {
			return s
		}
	}
	return nil
}

func (f *CloudFormation) describeStacks(form url.Values) (string, *apiError) {
	name := form.Get("StackName")
	s := f.lookup(name)
	if s == nil {
		return "", validation("Stack with id %s does not exist", name)
	}
	// Progress asynchronous work one step per poll, as the service would.
	switch s.Status {
	case "IMPORT_IN_PROGRESS":
		if f.FailImport != "" {
			s.Status = "IMPORT_ROLLBACK_COMPLETE"
			logical := "Unknown"
			if len(s.Resources) > 0 {
				logical = s.Resources[0].LogicalID
			}
			s.Events = append([]Event{{LogicalID: logical, Status: "IMPORT_FAILED", Reason: f.FailImport}}, s.Events...)
			s.Resources = nil
		} else {
			s.Status = "IMPORT_COMPLETE"
		}
	case "DELETE_IN_PROGRESS":
		s.Status = "DELETE_COMPLETE"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<Stacks><member><StackName>%s</StackName><StackId>%s</StackId><StackStatus>%s</StackStatus><CreationTime>2026-01-02T03:04:05.000Z</CreationTime>",
		esc(s.Name), esc(s.ID), s.Status)
	if s.Reason != "" {
		fmt.Fprintf(&b, "<StackStatusReason>%s</StackStatusReason>", esc(s.Reason))
	}
	b.WriteString("<Parameters>")
	for _, k := range sortedKeys(s.Parameters) {
		fmt.Fprintf(&b, "<member><ParameterKey>%s</ParameterKey><ParameterValue>****</ParameterValue></member>", esc(k))
	}
	b.WriteString("</Parameters></member></Stacks>")
	if s.Status == "DELETE_COMPLETE" {
		delete(f.stacks, s.Name)
	}
	return b.String(), nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (f *CloudFormation) listStackResources(form url.Values) (string, *apiError) {
	s := f.lookup(form.Get("StackName"))
	if s == nil {
		return "", validation("Stack with id %s does not exist", form.Get("StackName"))
	}
	var b strings.Builder
	b.WriteString("<StackResourceSummaries>")
	for _, r := range s.Resources {
		fmt.Fprintf(&b, "<member><LogicalResourceId>%s</LogicalResourceId><PhysicalResourceId>%s</PhysicalResourceId><ResourceType>%s</ResourceType><ResourceStatus>IMPORT_COMPLETE</ResourceStatus><LastUpdatedTimestamp>2026-01-02T03:04:05.000Z</LastUpdatedTimestamp></member>",
			esc(r.LogicalID), esc(r.PhysicalID), esc(r.Type))
	}
	b.WriteString("</StackResourceSummaries>")
	return b.String(), nil
}

func (f *CloudFormation) getTemplate(form url.Values) (string, *apiError) {
	s := f.lookup(form.Get("StackName"))
	if s == nil {
		return "", validation("Stack with id %s does not exist", form.Get("StackName"))
	}
	return "<TemplateBody>" + esc(s.Template) + "</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>", nil
}

// member reads a query list: Prefix.member.1, Prefix.member.2, ...
func members(form url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		p := fmt.Sprintf("%s.member.%d", prefix, i)
		found := false
		for k := range form {
			if k == p || strings.HasPrefix(k, p+".") {
				found = true
				break
			}
		}
		if !found {
			return out
		}
		out = append(out, p)
	}
}

func (f *CloudFormation) createChangeSet(form url.Values) (string, *apiError) {
	name, csName := form.Get("StackName"), form.Get("ChangeSetName")
	if name == "" || csName == "" {
		return "", validation("StackName and ChangeSetName are required")
	}
	if typ := form.Get("ChangeSetType"); typ != "IMPORT" {
		return "", validation("this fake only models ChangeSetType IMPORT, got %q", typ)
	}
	body := form.Get("TemplateBody")
	if u := form.Get("TemplateURL"); u != "" {
		if f.FetchTemplate == nil {
			return "", validation("TemplateURL %s cannot be fetched", u)
		}
		var ok bool
		if body, ok = f.FetchTemplate(u); !ok {
			return "", validation("TemplateURL must be a supported URL; S3 error: Access Denied for %s", u)
		}
	} else if len(body) > 51200 {
		return "", validation("1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200")
	}
	var tmpl struct {
		Resources map[string]struct {
			Type           string `json:"Type"`
			DeletionPolicy string `json:"DeletionPolicy"`
		} `json:"Resources"`
		Parameters map[string]any `json:"Parameters"`
	}
	if err := json.Unmarshal([]byte(body), &tmpl); err != nil {
		return "", validation("Template format error: JSON not well-formed. (%v)", err)
	}
	caps := strings.Join([]string{form.Get("Capabilities.member.1"), form.Get("Capabilities.member.2")}, ",")
	for _, r := range tmpl.Resources {
		if r.Type == "AWS::IAM::Role" && !strings.Contains(caps, "CAPABILITY_NAMED_IAM") {
			return "", &apiError{400, "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]"}
		}
	}
	s := f.lookup(name)
	if s != nil {
		switch {
		case s.Status == "ROLLBACK_COMPLETE":
			return "", validation("Stack:%s is in ROLLBACK_COMPLETE state and can not be updated.", s.ID)
		case strings.HasSuffix(s.Status, "_IN_PROGRESS") && s.Status != "REVIEW_IN_PROGRESS":
			return "", validation("Stack:%s is in %s state and can not be updated.", s.ID, s.Status)
		}
	}
	cs := &changeSet{name: csName, stack: name, status: "CREATE_PENDING", template: body, params: map[string]string{}}
	for _, p := range members(form, "Parameters") {
		k := form.Get(p + ".ParameterKey")
		if form.Get(p+".UsePreviousValue") == "true" {
			cs.usePrevious = append(cs.usePrevious, k)
			continue
		}
		cs.params[k] = form.Get(p + ".ParameterValue")
	}
	for k := range tmpl.Parameters {
		if _, ok := cs.params[k]; !ok && !contains(cs.usePrevious, k) {
			return "", validation("Parameters: [%s] must have values", k)
		}
	}
	for _, p := range members(form, "ResourcesToImport") {
		logical := form.Get(p + ".LogicalResourceId")
		typ := form.Get(p + ".ResourceType")
		r, ok := tmpl.Resources[logical]
		if !ok {
			return "", validation("Resource %s to import is not in the template", logical)
		}
		if r.Type != typ {
			return "", validation("Resource type %s of %s does not match the template's %s", typ, logical, r.Type)
		}
		if r.DeletionPolicy == "" {
			return "", validation("The following resource types are not supported for resource import without a DeletionPolicy: %s", logical)
		}
		ident := map[string]string{}
		for i := 1; ; i++ {
			k := form.Get(fmt.Sprintf("%s.ResourceIdentifier.entry.%d.key", p, i))
			if k == "" {
				break
			}
			ident[k] = form.Get(fmt.Sprintf("%s.ResourceIdentifier.entry.%d.value", p, i))
		}
		if len(ident) == 0 {
			return "", validation("ResourceIdentifier is required for %s", logical)
		}
		cs.imports = append(cs.imports, StackResource{LogicalID: logical, Type: typ, PhysicalID: physicalID(ident)})
	}
	if len(cs.imports) == 0 {
		return "", validation("ResourcesToImport is required for an IMPORT change set")
	}
	if f.FailChangeSet != "" {
		cs.status, cs.reason = "FAILED", f.FailChangeSet
	} else if s != nil {
		for _, have := range s.Resources {
			if _, ok := tmpl.Resources[have.LogicalID]; !ok {
				cs.status, cs.reason = "FAILED", fmt.Sprintf("You have modified resources [%s] in your template that are not being imported. Update, create or delete operations cannot be executed during import operations.", have.LogicalID)
			}
		}
		for _, imp := range cs.imports {
			for _, have := range s.Resources {
				if have.LogicalID == imp.LogicalID {
					cs.status, cs.reason = "FAILED", fmt.Sprintf("Resource %s already exists in stack %s", imp.LogicalID, s.Name)
				}
			}
		}
	}
	if s == nil {
		s = &Stack{Name: name, ID: stackID(name), Status: "REVIEW_IN_PROGRESS"}
		f.stacks[name] = s
	}
	f.seq++
	cs.id = fmt.Sprintf("arn:aws:cloudformation:us-east-1:123456789012:changeSet/%s/%08d-aaaa-bbbb-cccc-000000000000", csName, f.seq)
	f.changeSets[cs.id] = cs
	return fmt.Sprintf("<Id>%s</Id><StackId>%s</StackId>", esc(cs.id), esc(s.ID)), nil
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func (f *CloudFormation) findChangeSet(form url.Values) (*changeSet, *apiError) {
	id := form.Get("ChangeSetName")
	if cs, ok := f.changeSets[id]; ok {
		return cs, nil
	}
	for _, cs := range f.changeSets {
		if cs.name == id && cs.stack == form.Get("StackName") {
			return cs, nil
		}
	}
	return nil, &apiError{404, "ChangeSetNotFound", "ChangeSet [" + id + "] does not exist"}
}

func (f *CloudFormation) describeChangeSet(form url.Values) (string, *apiError) {
	cs, err := f.findChangeSet(form)
	if err != nil {
		return "", err
	}
	cs.polls++
	if cs.status == "CREATE_PENDING" && cs.polls > 1 {
		cs.status = "CREATE_COMPLETE"
	}
	exec := "UNAVAILABLE"
	switch cs.status {
	case "CREATE_COMPLETE":
		exec = "AVAILABLE"
	case "EXECUTE_COMPLETE":
		exec = "EXECUTE_COMPLETE"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<ChangeSetId>%s</ChangeSetId><ChangeSetName>%s</ChangeSetName><StackName>%s</StackName><Status>%s</Status><ExecutionStatus>%s</ExecutionStatus>",
		esc(cs.id), esc(cs.name), esc(cs.stack), cs.status, exec)
	if cs.reason != "" {
		fmt.Fprintf(&b, "<StatusReason>%s</StatusReason>", esc(cs.reason))
	}
	b.WriteString("<Changes>")
	for _, imp := range cs.imports {
		fmt.Fprintf(&b, "<member><Type>Resource</Type><ResourceChange><Action>Import</Action><LogicalResourceId>%s</LogicalResourceId><PhysicalResourceId>%s</PhysicalResourceId><ResourceType>%s</ResourceType></ResourceChange></member>",
			esc(imp.LogicalID), esc(imp.PhysicalID), esc(imp.Type))
	}
	b.WriteString("</Changes>")
	return b.String(), nil
}

func (f *CloudFormation) executeChangeSet(form url.Values) (string, *apiError) {
	cs, err := f.findChangeSet(form)
	if err != nil {
		return "", err
	}
	if cs.status != "CREATE_COMPLETE" {
		return "", &apiError{400, "InvalidChangeSetStatus", "ChangeSet [" + cs.id + "] cannot be executed in its current status of [" + cs.status + "]"}
	}
	s := f.lookup(cs.stack)
	cs.status = "EXECUTE_COMPLETE"
	s.Status = "IMPORT_IN_PROGRESS"
	s.Template = cs.template
	if s.Parameters == nil {
		s.Parameters = map[string]string{}
	}
	for k, v := range cs.params {
		s.Parameters[k] = v
	}
	s.Resources = append(s.Resources, cs.imports...)
	return "", nil
}

func (f *CloudFormation) deleteChangeSet(form url.Values) (string, *apiError) {
	cs, err := f.findChangeSet(form)
	if err != nil {
		return "", err
	}
	delete(f.changeSets, cs.id)
	return "", nil
}

func (f *CloudFormation) deleteStack(form url.Values) (string, *apiError) {
	if s := f.lookup(form.Get("StackName")); s != nil {
		s.Status = "DELETE_IN_PROGRESS"
	}
	return "", nil
}

func (f *CloudFormation) describeStackEvents(form url.Values) (string, *apiError) {
	s := f.lookup(form.Get("StackName"))
	if s == nil {
		return "", validation("Stack [%s] does not exist", form.Get("StackName"))
	}
	var b strings.Builder
	b.WriteString("<StackEvents>")
	for i, e := range s.Events {
		fmt.Fprintf(&b, "<member><EventId>%s</EventId><StackId>%s</StackId><StackName>%s</StackName><LogicalResourceId>%s</LogicalResourceId><ResourceStatus>%s</ResourceStatus><ResourceStatusReason>%s</ResourceStatusReason><Timestamp>2026-01-02T03:04:05.000Z</Timestamp></member>",
			strconv.Itoa(i), esc(s.ID), esc(s.Name), esc(e.LogicalID), e.Status, esc(e.Reason))
	}
	b.WriteString("</StackEvents>")
	return b.String(), nil
}

// physicalID is the identifier CloudFormation reports as a resource's
// physical ID: the ARN for ECS services, the stage name for API Gateway
// stages, otherwise the (single) identifier value.
func physicalID(ident map[string]string) string {
	for _, k := range []string{"ServiceArn", "StageName"} {
		if v, ok := ident[k]; ok {
			return v
		}
	}
	return ident[sortedKeys(ident)[0]]
}
