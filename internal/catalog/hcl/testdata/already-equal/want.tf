variable "size" {
  type    = string
  default = "t3.small"

  validation {
    condition     = contains(["t3.micro", "t3.small"], var.size)
    error_message = "Pick an approved instance type."
  }
}

resource "aws_instance" "this" {
  ami           = "ami-0abcdef1234567890"
  instance_type = var.size
}
