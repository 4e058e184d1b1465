from pydantic import BaseModel, Field


class Config(BaseModel):
    limit: int = Field(default=3, ge=1, le=10)
