// Package cfnfake holds in-memory fakes of AWS CloudFormation (query
// protocol: form-encoded Action=..., XML responses), S3 (REST PutObject)
// and Amazon DevOps Guru (REST-JSON) as http.Handlers, for httptest servers
// driven by the real aws-sdk-go-v2 clients. They model what
// `tend import terraform --deploy` relies on: change sets of type IMPORT
// that complete asynchronously, stacks that move through IMPORT_IN_PROGRESS,
// ROLLBACK_COMPLETE stacks that cannot be updated, and injected failures;
// and what the cfn deployment provider relies on (deploy.go).
package cfnfake

import (
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
	// Tags and Outputs of the stack (CreateStack and UPDATE change sets).
	Tags, Outputs map[string]string
	// RollbackTriggers are the alarm ARNs of the stack's
	// RollbackConfiguration, MonitoringMinutes its monitoring time.
	RollbackTriggers  []string
	MonitoringMinutes int
	prev              *deployed // what an update in progress rolls back to
	moving            bool      // a create or update of the fake's own is in progress
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
	update                          *deployed // an UPDATE change set's template, parameters and tags
	triggers                        []string
	minutes                         int
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
	// Requests records the form of each CreateStack and CreateChangeSet.
	Requests []url.Values

	failNext map[string]string // stack → reason its next create or update fails
	alarms   map[string]bool   // stacks whose rollback alarm goes off on the next update
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
	case "CreateStack":
		f.Requests = append(f.Requests, form)
		body, err = f.createStack(form)
	case "CreateChangeSet":
		f.Requests = append(f.Requests, form)
		if form.Get("ChangeSetType") == "UPDATE" {
			body, err = f.createUpdateChangeSet(form)
		} else {
			body, err = f.createChangeSet(form)
		}
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
	default:
		f.progressDeploy(s)
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
	b.WriteString("</Parameters>")
	b.WriteString(describeExtra(s))
	b.WriteString("</member></Stacks>")
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
	// Pages of 100, as the service returns them.
	start := 0
	if tok := form.Get("NextToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(s.Resources) {
			return "", validation("Invalid NextToken")
		}
		start = n
	}
	end := min(start+100, len(s.Resources))
	var b strings.Builder
	b.WriteString("<StackResourceSummaries>")
	for _, r := range s.Resources[start:end] {
		fmt.Fprintf(&b, "<member><LogicalResourceId>%s</LogicalResourceId><PhysicalResourceId>%s</PhysicalResourceId><ResourceType>%s</ResourceType><ResourceStatus>IMPORT_COMPLETE</ResourceStatus><LastUpdatedTimestamp>2026-01-02T03:04:05.000Z</LastUpdatedTimestamp></member>",
			esc(r.LogicalID), esc(r.PhysicalID), esc(r.Type))
	}
	b.WriteString("</StackResourceSummaries>")
	if end < len(s.Resources) {
		fmt.Fprintf(&b, "<NextToken>%d</NextToken>", end)
	}
	return b.String(), nil
}

func (f *CloudFormation) getTemplate(form url.Values) (string, *apiError) {
	s := f.lookup(form.Get("StackName"))
	if s == nil {
		return "", validation("Stack with id %s does not exist", form.Get("StackName"))
	}
	return "<TemplateBody>" + esc(s.Template) + "</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>", nil
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
