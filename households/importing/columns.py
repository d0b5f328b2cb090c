"""The review template's columns (docs/review-template.md): keys, canonical headers, accepted variants.

Built with the shared column type (`spreadsheets.headers.Column`), plus what the review import needs of each:
what its cells hold (`kind`, which picks the validator's parser) and whether it is a deprivation indicator.
"""

from dataclasses import dataclass
from enum import StrEnum

from config.text import fold
from spreadsheets.headers import Column, Lookup


class Kind(StrEnum):
    TEXT = "text"
    CODE = "code"
    INTEGER = "integer"
    MONEY = "money"
    FLAG = "flag"
    AREA = "area"
    CLASSIFICATION = "classification"


@dataclass(frozen=True)
class ReviewColumn(Column):
    kind: Kind = Kind.TEXT
    is_indicator: bool = False


INDICATOR_HEADERS = {
    "employment": ("Việc làm", ()),
    "dependents": ("Người phụ thuộc trong hộ gia đình", ("Người phụ thuộc", "Phụ thuộc")),
    "nutrition": ("Dinh dưỡng", ()),
    "health_insurance": ("Bảo hiểm y tế", ("BHYT",)),
    "adult_education": ("Trình độ giáo dục của người lớn", ("Giáo dục người lớn", "Trình độ giáo dục")),
    "child_schooling": ("Tình trạng đi học của trẻ em", ("Trẻ em đi học", "Tình trạng đi học")),
    "housing_quality": ("Chất lượng nhà ở", ()),
    "housing_area": ("Diện tích nhà ở bình quân đầu người", ("Diện tích nhà ở",)),
    "water_source": ("Nguồn nước sinh hoạt", ("Nước sinh hoạt",)),
    "sanitation": ("Nhà tiêu hợp vệ sinh", ("Nhà tiêu",)),
    "telecom": ("Sử dụng dịch vụ viễn thông", ("Dịch vụ viễn thông", "Viễn thông")),
    "information_access": ("Phương tiện phục vụ tiếp cận thông tin", ("Tiếp cận thông tin",)),
    "waste_treatment": ("Thu gom, xử lý rác thải sinh hoạt", ("Xử lý rác thải", "Rác thải")),
}

BASE_COLUMNS = (
    ReviewColumn("household_code", "Mã hộ", kind=Kind.CODE, required=True, aliases=("Mã số hộ", "Mã hộ gia đình")),
    ReviewColumn("head_name", "Họ và tên chủ hộ", kind=Kind.TEXT, required=True, aliases=("Họ tên chủ hộ", "Chủ hộ")),
    ReviewColumn("id_number", "Số CCCD/CMND chủ hộ", kind=Kind.CODE,
                 aliases=("Số CCCD", "CCCD", "CMND", "Số CCCD/CMND")),
    ReviewColumn("commune_code", "Mã xã", kind=Kind.CODE, aliases=("Mã xã/phường", "Mã đơn vị")),
    ReviewColumn("commune_name", "Tên xã", kind=Kind.TEXT, aliases=("Xã", "Xã/phường")),
    ReviewColumn("village", "Thôn/bản/tổ dân phố", kind=Kind.TEXT, aliases=("Thôn", "Thôn/bản", "Thôn, bản")),
    ReviewColumn("area", "Khu vực", kind=Kind.AREA),
    ReviewColumn("ethnicity", "Dân tộc", kind=Kind.TEXT),
    ReviewColumn("members", "Số nhân khẩu", kind=Kind.INTEGER, required=True, aliases=("Nhân khẩu", "Số người")),
    ReviewColumn(
        "income_per_capita", "Thu nhập bình quân đầu người/tháng (đồng)", kind=Kind.MONEY, required=True,
        aliases=("Thu nhập bình quân", "Thu nhập bình quân đầu người", "Thu nhập bình quân đầu người/tháng",
                 "Thu nhập", "income"),
    ),
    ReviewColumn("declared_classification", "Phân loại", kind=Kind.CLASSIFICATION, aliases=("Phân loại hộ", "Kết quả")),
    ReviewColumn("female_head", "Chủ hộ là nữ", kind=Kind.FLAG, aliases=("Chủ hộ nữ",)),
    ReviewColumn("has_disabled", "Có người khuyết tật", kind=Kind.FLAG, aliases=("Người khuyết tật",)),
    ReviewColumn("has_merit", "Hộ có người có công", kind=Kind.FLAG, aliases=("Người có công",)),
    ReviewColumn("social_protection", "Hộ thuộc diện bảo trợ xã hội", kind=Kind.FLAG, aliases=("Bảo trợ xã hội",)),
    ReviewColumn("note", "Ghi chú", kind=Kind.TEXT),
)

INDICATOR_COLUMNS = tuple(
    ReviewColumn(key, header, kind=Kind.FLAG, aliases=aliases, is_indicator=True)
    for key, (header, aliases) in INDICATOR_HEADERS.items()
)

ALL_COLUMNS = BASE_COLUMNS + INDICATOR_COLUMNS
BY_KEY = {column.key: column for column in ALL_COLUMNS}
# The group header some offices merge over the indicator columns; it is not a column itself.
GROUP_HEADERS = {fold("Chỉ số thiếu hụt dịch vụ xã hội cơ bản"), fold("Chỉ số thiếu hụt")}
LOOKUP = Lookup(ALL_COLUMNS)


def match_header(text: str) -> str | None:
    """The column key a header cell means ("MÃ HỘ", "ma ho:", "household_code" → "household_code")."""
    return LOOKUP.match(text)
