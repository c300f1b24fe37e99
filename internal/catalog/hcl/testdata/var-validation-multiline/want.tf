variable "size" {
  type    = string
  default = "c6i.2xlarge"
  validation {
    condition = contains([
      "c6i.large",
      "c6i.xlarge",
      "c6i.2xlarge",
    ], var.size)
    error_message = "Not approved."
  }
}

resource "aws_instance" "this" {
  ami           = "ami-0abcdef1234567890"
  instance_type = var.size
}
