variable "size" {
  type    = string
  default = "c6i.large"
  validation {
    condition = contains([
      "c6i.large",
      "c6i.xlarge",
    ], var.size)
    error_message = "Not approved."
  }
}

resource "aws_instance" "this" {
  ami           = "ami-0abcdef1234567890"
  instance_type = var.size
}
