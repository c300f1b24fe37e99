variable "size" {
  type    = string
  default = "t3.medium"

  validation {
    condition     = contains(["t3.micro", "t3.small", "t3.medium"], var.size)
    error_message = "Pick an approved instance type."
  }
}

resource "aws_instance" "this" {
  ami           = "ami-0abcdef1234567890"
  instance_type = var.size
}
