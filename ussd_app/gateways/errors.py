"""What every gateway answers when something fails: a polite END in Lao and English."""

FAULT_TEXT = "ລະບົບຂັດຂ້ອງຊົ່ວຄາວ ກະລຸນາລອງໃໝ່ພາຍຫຼັງ\nService unavailable, try again later"
