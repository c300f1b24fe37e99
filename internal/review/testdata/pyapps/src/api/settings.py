from functools import lru_cache


class Settings:
    log_dir = "/var/log/api"


@lru_cache
def get_settings():
    return Settings()
