// Package ir is tend review's small, language-neutral representation of
// source code: modules, classes and functions whose bodies are structured
// statements over expression trees. The Python and Java front ends lower
// tree-sitter syntax trees into it; the taint engine interprets it. It keeps
// only what the analysis needs — names, calls, literals, control flow and
// positions — and drops the rest (types beyond their names, comments).
package ir

// Pos is a 1-based line and column in a source file.
type Pos struct{ Line, Col int }

// Position returns p, so every node can embed Pos.
func (p Pos) Position() Pos { return p }

// Expr is an expression node.
type Expr interface {
	Position() Pos
	expr()
}

// Stmt is a statement node.
type Stmt interface {
	Position() Pos
	stmt()
}

// Expressions.
type (
	// Name is a variable, parameter, module alias or (Java) type name.
	Name struct {
		Pos
		ID string
	}
	// Const is a literal: string, int64, float64, bool or nil (None, null).
	Const struct {
		Pos
		Value any
	}
	// Attr is X.Name: attribute, field or (Java) qualified name.
	Attr struct {
		Pos
		X    Expr
		Name string
	}
	// Index is X[Index].
	Index struct {
		Pos
		X, Index Expr
	}
	// Slice is X[Lo:Hi]; missing bounds are nil.
	Slice struct {
		Pos
		X, Lo, Hi Expr
	}
	// Call is Fn(Args, Kw...). A method call has an Attr as Fn. New marks a
	// Java constructor call (new T(...)), whose Fn names the type.
	Call struct {
		Pos
		Fn   Expr
		Args []Expr
		Kw   []Keyword
		New  bool
	}
	// Binary is X Op Y: arithmetic, comparison ("==", "in", "not in", "is",
	// "instanceof"), or logic ("and", "or").
	Binary struct {
		Pos
		Op   string
		X, Y Expr
	}
	// Unary is Op X: "not", "-", "+", "~".
	Unary struct {
		Pos
		Op string
		X  Expr
	}
	// Cond is Then if Test else Else (Java: Test ? Then : Else).
	Cond struct {
		Pos
		Test, Then, Else Expr
	}
	// Seq is a list, tuple, set or (Java) array literal.
	Seq struct {
		Pos
		Kind SeqKind
		Elts []Expr
	}
	// Dict is a dict literal.
	Dict struct {
		Pos
		Keys, Values []Expr
	}
	// Concat is a string built from parts: an f-string or a template.
	Concat struct {
		Pos
		Parts []Expr
	}
	// Lambda is an anonymous function.
	Lambda struct {
		Pos
		Fn *Func
	}
	// Comp is a comprehension: Elt (and Key for a dict) for each binding of Fors.
	Comp struct {
		Pos
		Kind SeqKind
		Key  Expr
		Elt  Expr
		Fors []CompFor
	}
	// Star is *X (or **X) in a call or a literal.
	Star struct {
		Pos
		X      Expr
		Double bool
	}
	// Cast is (Type) X in Java.
	Cast struct {
		Pos
		Type string
		X    Expr
	}
	// AssignExpr is an assignment used as a value (Java a = b, Python :=).
	AssignExpr struct {
		Pos
		Target Expr
		Op     string
		Value  Expr
	}
	// Unknown is anything the front end does not model.
	Unknown struct {
		Pos
		Kids []Expr // sub-expressions still evaluated for their effects
	}
)

// Keyword is a keyword argument; Name is empty for **kwargs.
type Keyword struct {
	Name  string
	Value Expr
}

// CompFor is one "for Target in Iter if Ifs..." of a comprehension.
type CompFor struct {
	Target Expr
	Iter   Expr
	Ifs    []Expr
}

// SeqKind tells list, tuple, set and array literals apart.
type SeqKind int

// The kinds of sequence.
const (
	List SeqKind = iota
	Tuple
	Set
	Array
	Generator
	DictComp
)

func (Name) expr()       {}
func (Const) expr()      {}
func (Attr) expr()       {}
func (Index) expr()      {}
func (Slice) expr()      {}
func (Call) expr()       {}
func (Binary) expr()     {}
func (Unary) expr()      {}
func (Cond) expr()       {}
func (Seq) expr()        {}
func (Dict) expr()       {}
func (Concat) expr()     {}
func (Lambda) expr()     {}
func (Comp) expr()       {}
func (Star) expr()       {}
func (Cast) expr()       {}
func (AssignExpr) expr() {}
func (Unknown) expr()    {}

// Statements.
type (
	// Assign is Targets = Value (several targets: a = b = v). Op is set for
	// augmented assignment (+= is "+"). Type is a Java declaration's type.
	Assign struct {
		Pos
		Targets []Expr
		Op      string
		Value   Expr // nil: a declaration without initialiser
		Type    string
	}
	// ExprStmt is an expression evaluated for its effect.
	ExprStmt struct {
		Pos
		X Expr
	}
	// If is if Test: Then else: Else (elif chains nest in Else).
	If struct {
		Pos
		Test       Expr
		Then, Else []Stmt
	}
	// While is a while loop (DoWhile: the body runs once before the test).
	While struct {
		Pos
		Test       Expr
		Body, Else []Stmt
		DoWhile    bool
	}
	// For is for Target in Iter (Java: for (T x : iter)).
	For struct {
		Pos
		Target     Expr
		Iter       Expr
		Body, Else []Stmt
	}
	// Return returns X (nil: no value).
	Return struct {
		Pos
		X Expr
	}
	// Raise raises or throws X.
	Raise struct {
		Pos
		X Expr
	}
	// Break leaves the innermost loop or switch.
	Break struct{ Pos }
	// Continue starts the innermost loop's next iteration.
	Continue struct{ Pos }
	// Try is try/except/else/finally (Java try/catch/finally; resources
	// become assignments at the start of Body).
	Try struct {
		Pos
		Body     []Stmt
		Handlers []Handler
		Else     []Stmt
		Finally  []Stmt
	}
	// With is a with statement.
	With struct {
		Pos
		Items []WithItem
		Body  []Stmt
	}
	// Switch is a Python match or a Java switch. In a Java switch a case
	// without a break falls through into the next.
	Switch struct {
		Pos
		Subject     Expr
		Cases       []Case
		Fallthrough bool
	}
	// FuncDef defines a function or method.
	FuncDef struct {
		Pos
		Fn *Func
	}
	// ClassDef defines a class.
	ClassDef struct {
		Pos
		Class *Class
	}
	// Import is "import Module [as Alias]" (Names empty) or "from Module
	// import Names"; Java imports are "import Module" with the class as the
	// last part.
	Import struct {
		Pos
		Module string
		Alias  string
		Names  []ImportName
	}
	// Global declares names as the module's (Python global, nonlocal).
	Global struct {
		Pos
		Names []string
	}
	// Block is a nested block of statements (Java { ... }).
	Block struct {
		Pos
		Body []Stmt
	}
)

// Handler is an except or catch clause.
type Handler struct {
	Types []Expr
	Name  string
	Body  []Stmt
}

// WithItem is one "Value as Target" of a with statement.
type WithItem struct {
	Value  Expr
	Target Expr // nil without "as"
}

// Case is one case of a switch; Values nil is the default (Python's _).
type Case struct {
	Values []Expr
	Guard  Expr
	Body   []Stmt
}

// ImportName is one imported name with its alias.
type ImportName struct{ Name, Alias string }

func (Assign) stmt()   {}
func (ExprStmt) stmt() {}
func (If) stmt()       {}
func (While) stmt()    {}
func (For) stmt()      {}
func (Return) stmt()   {}
func (Raise) stmt()    {}
func (Break) stmt()    {}
func (Continue) stmt() {}
func (Try) stmt()      {}
func (With) stmt()     {}
func (Switch) stmt()   {}
func (FuncDef) stmt()  {}
func (ClassDef) stmt() {}
func (Import) stmt()   {}
func (Global) stmt()   {}
func (Block) stmt()    {}

// Param is a function parameter.
type Param struct {
	Name    string
	Type    string // declared type (Java; Python annotation text)
	Default Expr
	Star    bool // *args (Java varargs)
	DStar   bool // **kwargs
}

// Func is a function, method, constructor or lambda.
type Func struct {
	Pos
	Name        string
	Params      []Param
	Body        []Stmt
	Decorators  []Expr   // Python decorators
	Annotations []string // Java annotations, by simple name
	Class       *Class   // the class a method belongs to
	Static      bool
	ReturnType  string
	// ParamAnnotations holds Java parameter annotations (simple names), by index.
	ParamAnnotations [][]string
}

// Class is a class (Java: also an interface or enum).
type Class struct {
	Pos
	Name    string
	Bases   []Expr
	Methods []*Func
	Body    []Stmt  // class-level statements (Python) and field initialisers (Java)
	Fields  []Field // Java fields
	Classes []*Class
}

// Field is a Java field declaration.
type Field struct {
	Name   string
	Type   string
	Init   Expr
	Static bool
	Final  bool
	Pos
}

// Lang is a source language.
type Lang string

// The languages tend review reads.
const (
	Python Lang = "python"
	Java   Lang = "java"
)

// Module is one source file.
type Module struct {
	Path    string // as given to the review (slash-separated, relative when possible)
	Lang    Lang
	Name    string // Python: dotted module name from the project root; Java: package.Class
	Package string // Java package
	Body    []Stmt
	Errors  int // syntax error nodes tree-sitter recovered from
}
