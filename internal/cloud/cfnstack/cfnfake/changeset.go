package cfnfake

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

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
	if cs.update != nil {
		f.executeUpdate(s, cs)
		return "", nil
	}
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
