terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

# The web server
resource "aws_instance" "web" {
  ami			= "ami-0abcdef1234567890" # tab-aligned on purpose
  instance_type = "t3.micro"   # sized by tend
  subnet_id     = var.subnet_id

  tags = {
    Name = "web-${terraform.workspace}"
  }
}
