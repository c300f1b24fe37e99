variable "instance_type" {
  description = "EC2 instance type for the app server"
  type        = string
  default     = "m5.large"
}

resource "aws_instance" "app" {
  ami           = data.aws_ami.al2023.id
  instance_type = var.instance_type
}
